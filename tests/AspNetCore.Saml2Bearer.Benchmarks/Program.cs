using AspNetCore.Saml2Bearer.Benchmarks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// `--paired`: the ratio targets measured as interleaved pairs in this process (see PairedComparison).
if (args.Length > 0 && args[0] == "--paired")
{
    return PairedComparison.Run(args[1..]);
}

// The generated boilerplate project is built while other builds share the two cores: allow it time.
var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));

// Without a --job on the command line, a job sized for a busy 2-core machine: one process, a few
// warm-ups, enough iterations that the ratio against the baseline of the same run is stable.
if (!args.Any(a => a is "--job" or "-j"))
{
    config = config.AddJob(Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(4)
        .WithIterationCount(12)
        .WithId("Bench"));
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Saml2AssertionValidationBenchmarks).Assembly).Run(args, config);

// A benchmark that failed to build or run leaves NA in the table: make that a failed run.
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
