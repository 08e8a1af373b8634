namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>A directory of its own for one test, deleted afterwards.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = Directory.CreateTempSubdirectory("saml2bearer-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="content"/> to a file of the directory and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
