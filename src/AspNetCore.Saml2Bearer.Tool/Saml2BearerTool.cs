namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>
/// The entry point of <c>saml2bearer</c>, callable in process: parses the command line and runs
/// <see cref="AssertionCheck"/> or <see cref="AuthorityProbe"/>. Everything goes to the given writer: values
/// from the assertion are printed here, on the operator's terminal, and nowhere else.
/// </summary>
internal static class Saml2BearerTool
{
    public const string Usage = """
        usage:
          saml2bearer check --config <appsettings.json> [--config <more.json>...] [--scheme <name>] <assertion-file | ->
          saml2bearer check --authority <url>

        check --config   binds Authentication:Schemes:<scheme> (default Saml2Bearer) from the JSON files as the app does
                         (later files win; the first file's folder is the content root; certificate paths resolve as in
                         the app), then runs the handler's own validator on the assertion and prints every check with what was
                         expected and what was found. The file (or standard input, '-') may hold the raw XML, its
                         base64 form, or the header value 'SAML <base64>'.
        check --authority fetches the discovery document and the JWKS of an authorization server and tries the token
                         endpoint's TCP port and a HEAD request; it never posts an assertion or a credential.

        exit codes: 0 valid (or every endpoint answered), 1 invalid (or one did not), 2 usage or configuration error.
        """;

    /// <summary>Runs the command line <paramref name="args"/>, writing to <paramref name="output"/>.</summary>
    /// <returns>The <see cref="ToolExitCode"/>.</returns>
    public static int Run(string[] args, TextWriter output) =>
        RunAsync(args, output, TimeProvider.System, Console.In, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Runs the command line with the given clock and standard input (tests fix both).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TimeProvider timeProvider, TextReader input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var arguments = ToolArguments.Parse(args, out var error);
        if (arguments is null)
        {
            await output.WriteLineAsync("saml2bearer: " + error).ConfigureAwait(false);
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return ToolExitCode.UsageError;
        }

        if (arguments.Help)
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return ToolExitCode.Valid;
        }

        if (arguments.Authority is not null)
        {
            return await AuthorityProbe.RunAsync(arguments.Authority, output, handler: null, cancellationToken).ConfigureAwait(false);
        }

        return await AssertionCheck.RunAsync(arguments, output, timeProvider, input, cancellationToken).ConfigureAwait(false);
    }
}
