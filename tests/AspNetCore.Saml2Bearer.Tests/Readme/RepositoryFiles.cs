namespace AspNetCore.Saml2Bearer.Tests.Readme;

/// <summary>Reads files of the repository the tests were built from (found by its solution file).</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    /// <summary>The text of a repository file, with line endings normalized to <c>\n</c>.</summary>
    public static string Read(string relativePath) =>
        File.ReadAllText(Path.Combine(Root, relativePath)).ReplaceLineEndings("\n");

    /// <summary>The lines of README.md from heading <paramref name="heading"/> to the next heading of the same level.</summary>
    public static IReadOnlyList<string> ReadmeSection(string heading)
    {
        var lines = Read("README.md").Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith(heading, StringComparison.Ordinal));
        Assert.True(start >= 0, $"README.md has no heading '{heading}'.");
        var level = heading[..(heading.IndexOf(' ', StringComparison.Ordinal) + 1)];
        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith(level, StringComparison.Ordinal));
        return lines[start..(end < 0 ? lines.Length : end)];
    }

    /// <summary>The first fenced block of <paramref name="language"/> in <paramref name="lines"/>, without its fences.</summary>
    public static string FencedBlock(IReadOnlyList<string> lines, string language)
    {
        var open = lines.ToList().FindIndex(l => l.TrimEnd() == "```" + language);
        Assert.True(open >= 0, $"No ```{language} block found.");
        var close = lines.ToList().FindIndex(open + 1, l => l.TrimEnd() == "```");
        return string.Join('\n', lines.Skip(open + 1).Take(close - open - 1)) + "\n";
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AspNetCore.Saml2Bearer.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (AspNetCore.Saml2Bearer.sln) was not found above " + AppContext.BaseDirectory);
    }
}
