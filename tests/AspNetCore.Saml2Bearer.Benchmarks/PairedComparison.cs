using System.Diagnostics;
using System.Globalization;

namespace AspNetCore.Saml2Bearer.Benchmarks;

/// <summary>
/// A ratio target measured as a paired comparison: the baseline and the subject of one benchmark class
/// run alternately in one process, in short rounds (ABBA order, so a drift in speed falls on both), and
/// the ratio is taken round by round. BenchmarkDotNet measures each method in a process of its own, one
/// after the other: on a shared virtual machine whose speed changes by half from one second to the next,
/// a ratio of two such runs moves by ±20 % or more between runs, while the median of hundreds of paired
/// ratios moves by a percent or two. Run by <c>build/bench.sh --paired</c>; the BenchmarkDotNet classes
/// stay the definition of what is measured (this calls their own setup and methods).
/// </summary>
internal static class PairedComparison
{
    /// <summary>The targets stated as a ratio of two methods of one class.</summary>
    private static readonly Pair[] Pairs =
    [
        new(
            "SoapExtraction",
            "SOAP 1.2 envelope read + validation vs base64 header decode + validation",
            () =>
            {
                var benchmarks = new SoapExtractionBenchmarks();
                benchmarks.Setup();
                return (() => Consume(benchmarks.HeaderDecodeAndValidate()), () => Consume(benchmarks.SoapExtractAndValidate()), benchmarks.Cleanup);
            },
            MaximumRatio: 1.10),
    ];

    /// <summary>Runs the pairs whose name contains the <c>--filter</c> text (all without one).</summary>
    /// <param name="args">The command line after <c>--paired</c>: <c>--filter</c>, <c>--rounds</c>.</param>
    /// <returns>0, or 1 when a target is not met.</returns>
    public static int Run(string[] args)
    {
        var filter = Option(args, "--filter")?.Trim('*') ?? string.Empty;
        var rounds = int.Parse(Option(args, "--rounds") ?? "3000", CultureInfo.InvariantCulture);
        var met = true;
        foreach (var pair in Pairs.Where(p => p.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)))
        {
            met &= Measure(pair, rounds);
        }

        return met ? 0 : 1;
    }

    private static bool Measure(Pair pair, int rounds)
    {
        var (baseline, subject, cleanup) = pair.Create();
        try
        {
            // Tiered JIT: both reach their optimized code before anything is counted.
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed < TimeSpan.FromSeconds(3))
            {
                baseline();
                subject();
            }

            // Rounds of about 0.5 ms a side: short against the machine's changes of speed, long against the timer.
            var calibration = Stopwatch.StartNew();
            for (var i = 0; i < 100; i++)
            {
                baseline();
            }

            var operations = Math.Max(1, (int)(TimeSpan.FromMilliseconds(0.5) / (calibration.Elapsed / 100)));
            var baselineTimes = new double[rounds];
            var subjectTimes = new double[rounds];
            var ratios = new double[rounds];
            for (var round = 0; round < rounds; round++)
            {
                if (round % 2 == 0)
                {
                    baselineTimes[round] = Time(baseline, operations);
                    subjectTimes[round] = Time(subject, operations);
                }
                else
                {
                    subjectTimes[round] = Time(subject, operations);
                    baselineTimes[round] = Time(baseline, operations);
                }

                ratios[round] = subjectTimes[round] / baselineTimes[round];
            }

            Array.Sort(ratios);
            Array.Sort(baselineTimes);
            Array.Sort(subjectTimes);

            // A distribution-free 95 % interval of the median: the order statistics n/2 ± 1.96·√n/2.
            var spread = (int)Math.Ceiling(0.98 * Math.Sqrt(rounds));
            var (low, median, high) = (ratios[Math.Max(0, (rounds / 2) - spread)], Median(ratios), ratios[Math.Min(rounds - 1, (rounds / 2) + spread)]);
            var (baselineBytes, subjectBytes) = (Allocated(baseline), Allocated(subject));
            var ok = high <= pair.MaximumRatio;
            Console.WriteLine($"paired {pair.Name}: {pair.Description}");
            Console.WriteLine(Invariant($"  {rounds} rounds of {operations} calls a side, alternating order; per call, median round: baseline {Median(baselineTimes):F2} us, subject {Median(subjectTimes):F2} us"));
            Console.WriteLine(Invariant($"  allocated per call: baseline {baselineBytes:F0} B, subject {subjectBytes:F0} B (ratio {subjectBytes / baselineBytes:F2})"));
            Console.WriteLine(Invariant($"  ratio subject/baseline: median {median:F3} (95 % interval {low:F3}-{high:F3}), 10th-90th percentile {ratios[rounds / 10]:F3}-{ratios[rounds * 9 / 10]:F3}"));
            Console.WriteLine(Invariant($"  target <= {pair.MaximumRatio:F2}: {(ok ? "MET" : "NOT MET")} (upper end of the interval)"));
            return ok;
        }
        finally
        {
            cleanup();
        }
    }

    private static double Time(Action action, int operations)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < operations; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / operations;
    }

    private static double Allocated(Action action)
    {
        const int Calls = 200;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            action();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Calls;
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>Waits for a benchmark's result without the allocation of turning a completed one into a task.</summary>
    private static void Consume<T>(ValueTask<T> pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A target: the subject at most <paramref name="MaximumRatio"/> times the baseline.</summary>
    private sealed record Pair(string Name, string Description, Func<(Action Baseline, Action Subject, Action Cleanup)> Create, double MaximumRatio);
}
