namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>The <c>saml2bearer</c> command.</summary>
internal static class Program
{
    /// <summary>Runs the tool; the exit code is a <see cref="ToolExitCode"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>0 valid (or reachable), 1 invalid (or unreachable), 2 a usage or configuration error.</returns>
    public static int Main(string[] args) => Saml2BearerTool.Run(args, Console.Out);
}
