using AspNetCore.Saml2Bearer.Benchmarks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// Without a --job on the command line, a job sized for a busy 2-core machine: one process, a few
// warm-ups, enough iterations that the ratio against the baseline of the same run is stable.
var config = DefaultConfig.Instance;
if (!args.Any(a => a is "--job" or "-j"))
{
    config = config.AddJob(Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(4)
        .WithIterationCount(12)
        .WithId("Bench"));
}

BenchmarkSwitcher.FromAssembly(typeof(Saml2AssertionValidationBenchmarks).Assembly).Run(args, config);
