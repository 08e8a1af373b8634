namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>The parsed command line of <c>saml2bearer check</c>.</summary>
internal sealed class ToolArguments
{
    public List<string> ConfigFiles { get; } = [];

    public string Scheme { get; private set; } = Saml2BearerDefaults.AuthenticationScheme;

    public string? Authority { get; private set; }

    public string? AssertionFile { get; private set; }

    public bool Help { get; private set; }

    /// <summary>Parses <paramref name="args"/>, or returns why they cannot be used.</summary>
    public static ToolArguments? Parse(string[] args, out string? error)
    {
        error = null;
        var parsed = new ToolArguments();
        if (args.Length == 0)
        {
            error = "no command given.";
            return null;
        }

        if (args[0] is "-h" or "--help" or "help")
        {
            parsed.Help = true;
            return parsed;
        }

        if (args[0] != "check")
        {
            error = $"unknown command '{args[0]}'.";
            return null;
        }

        for (var i = 1; i < args.Length; i++)
        {
            var argument = args[i];
            switch (argument)
            {
                case "-h" or "--help":
                    parsed.Help = true;
                    return parsed;
                case "--config" or "-c":
                    if (!TryValue(args, ref i, argument, out var config, ref error))
                    {
                        return null;
                    }

                    parsed.ConfigFiles.Add(config);
                    break;
                case "--scheme" or "-s":
                    if (!TryValue(args, ref i, argument, out var scheme, ref error))
                    {
                        return null;
                    }

                    parsed.Scheme = scheme;
                    break;
                case "--authority" or "-a":
                    if (!TryValue(args, ref i, argument, out var authority, ref error))
                    {
                        return null;
                    }

                    parsed.Authority = authority;
                    break;
                default:
                    if (argument.StartsWith('-') && argument != "-")
                    {
                        error = $"unknown option '{argument}'.";
                        return null;
                    }

                    if (parsed.AssertionFile is not null)
                    {
                        error = "give one assertion file.";
                        return null;
                    }

                    parsed.AssertionFile = argument;
                    break;
            }
        }

        if (parsed.Authority is not null)
        {
            if (parsed.ConfigFiles.Count > 0 || parsed.AssertionFile is not null)
            {
                error = "--authority probes an authorization server on its own: give it without --config or an assertion file.";
                return null;
            }

            return parsed;
        }

        if (parsed.ConfigFiles.Count == 0 || parsed.AssertionFile is null)
        {
            error = "check needs --config <appsettings.json> and an assertion file, or --authority <url>.";
            return null;
        }

        return parsed;
    }

    private static bool TryValue(string[] args, ref int i, string option, out string value, ref string? error)
    {
        if (i + 1 >= args.Length || args[i + 1].Length == 0)
        {
            value = string.Empty;
            error = $"{option} needs a value.";
            return false;
        }

        value = args[++i];
        return true;
    }
}
