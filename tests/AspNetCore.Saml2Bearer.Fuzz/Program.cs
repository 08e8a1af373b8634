using AspNetCore.Saml2Bearer.Fuzz;
using SharpFuzz;

// build/fuzz.sh runs this program three ways:
//   --write-corpus DIR --trust FILE   write the seed corpus and the trusted certificates
//   --trust FILE --replay PATH...     run files in-process, print each outcome; exit 1 if one crashes
//   --trust FILE                      the afl-fuzz target (SharpFuzz out-of-process loop)
var options = ParseOptions(args);
if (options.Trust is null)
{
    await Console.Error.WriteLineAsync("usage: --trust FILE [--write-corpus DIR | --replay PATH...]");
    return 2;
}

if (options.CorpusDirectory is not null)
{
    var count = SeedCorpus.Write(options.CorpusDirectory, options.Trust);
    Console.WriteLine($"wrote {count} seeds to {options.CorpusDirectory}");
    return 0;
}

var trusted = TrustedCertificates.Read(options.Trust);
if (options.Replay.Count > 0)
{
    var target = new FuzzTarget(trusted);
    var crashed = 0;
    foreach (var file in options.Replay.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p) : [p]).Order(StringComparer.Ordinal))
    {
        var input = File.ReadAllBytes(file);
        try
        {
            target.Run(input);
            Console.WriteLine($"{Path.GetFileName(file)}\t{target.Outcome(input)}");
        }
#pragma warning disable CA1031 // Replay reports every exception, whatever its type: each one is a finding.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            crashed++;
            Console.WriteLine($"{Path.GetFileName(file)}\tCRASH {exception}");
        }
    }

    return crashed == 0 ? 0 : 1;
}

// The library is instrumented: its code runs only inside Run, once SharpFuzz has attached afl-fuzz's
// shared memory, so the validators are created on the first input.
FuzzTarget? fuzzTarget = null;
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    fuzzTarget ??= new FuzzTarget(trusted);
    fuzzTarget.Run(buffer.ToArray());
});
return 0;

static (string? Trust, string? CorpusDirectory, List<string> Replay) ParseOptions(string[] args)
{
    string? trust = null, corpus = null;
    var replay = new List<string>();
    for (var i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--trust" when i + 1 < args.Length:
                trust = args[++i];
                break;
            case "--write-corpus" when i + 1 < args.Length:
                corpus = args[++i];
                break;
            case "--replay":
                replay.AddRange(args.Skip(i + 1));
                i = args.Length;
                break;
            default:
                return (null, null, replay);
        }
    }

    return (trust, corpus, replay);
}
