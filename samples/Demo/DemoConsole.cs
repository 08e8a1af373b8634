namespace Demo;

/// <summary>Prints the steps of the flow and keeps score of the expectations.</summary>
internal sealed class DemoConsole
{
    private int _failures;

    public bool Succeeded => _failures == 0;

    public static void Step(int number, string title) =>
        Console.WriteLine($"{Environment.NewLine}[{number}/7] {title}");

    public static void Section(string title) =>
        Console.WriteLine($"{Environment.NewLine}--- {title}");

    public static void Detail(string text) => Console.WriteLine("      " + text);

    public void Expect(bool condition, string what)
    {
        Console.WriteLine($"      {(condition ? "ok  " : "FAIL")} {what}");
        if (!condition)
        {
            _failures++;
        }
    }

    /// <summary>Shows a secret as its length and first characters only.</summary>
    public static string Redact(string? secret) =>
        secret is null ? "(none)" : $"{secret[..Math.Min(8, secret.Length)]}... ({secret.Length} chars)";
}
