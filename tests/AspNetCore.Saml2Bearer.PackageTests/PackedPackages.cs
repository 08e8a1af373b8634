using System.Diagnostics;
using System.Reflection;

namespace AspNetCore.Saml2Bearer.PackageTests;

/// <summary>
/// Runs build/pack.sh once (with --no-build, in the configuration these tests were built in) into a
/// temporary folder, and holds the packages it produced.
/// </summary>
public sealed class PackedPackages : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(8);

    public PackedPackages()
    {
        RepositoryRoot = FindRepositoryRoot();
        Output = Directory.CreateTempSubdirectory("saml2bearer-packages-").FullName;
        var configuration = typeof(PackedPackages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "Configuration").Value!;
        PackOutput = Run("bash", RepositoryRoot, "build/pack.sh", "--no-build", "--configuration", configuration, "--output", Output);
        HeadCommit = Run("git", RepositoryRoot, "rev-parse", "HEAD").Trim();
        ProjectNames = Directory.GetDirectories(Path.Combine(RepositoryRoot, "src"))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToArray()!;
    }

    /// <summary>The folder holding the .sln.</summary>
    public string RepositoryRoot { get; }

    /// <summary>Where build/pack.sh wrote the packages.</summary>
    public string Output { get; }

    /// <summary>What build/pack.sh printed, for failure messages.</summary>
    public string PackOutput { get; }

    /// <summary>The commit the packages were built from.</summary>
    public string HeadCommit { get; }

    /// <summary>Every project under src/: each must ship as a package.</summary>
    public IReadOnlyList<string> ProjectNames { get; }

    /// <summary>The path of the .nupkg (or .snupkg with <paramref name="symbols"/>) of <paramref name="id"/>.</summary>
    public string PackagePath(string id, bool symbols = false)
    {
        var extension = symbols ? ".snupkg" : ".nupkg";
        var matches = Directory.GetFiles(Output, id + ".*" + extension)
            .Where(p => char.IsDigit(Path.GetFileName(p)[(id.Length + 1)..][0]))
            .ToArray();
        return matches.Length == 1
            ? matches[0]
            : throw new InvalidOperationException($"Expected one {extension} of {id} in {Output}, found {matches.Length}. build/pack.sh said:\n{PackOutput}");
    }

    public void Dispose() => Directory.Delete(Output, recursive: true);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AspNetCore.Saml2Bearer.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("AspNetCore.Saml2Bearer.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Run(string fileName, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + fileName);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(PackTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {PackTimeout}.");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        }

        return stdout.Result;
    }
}
