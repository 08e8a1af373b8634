namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>The exit codes of <c>saml2bearer</c>.</summary>
internal static class ToolExitCode
{
    /// <summary>The assertion is valid; or every probed endpoint answered.</summary>
    public const int Valid = 0;

    /// <summary>The assertion is invalid; or a probed endpoint did not answer as it must.</summary>
    public const int Invalid = 1;

    /// <summary>The command line, a file or the configuration is wrong: nothing was checked.</summary>
    public const int UsageError = 2;
}
