using System;
using System.Collections.Generic;
using System.Globalization;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Hosting;

/// <summary>Parses the emulator's command line into options.</summary>
internal static class EmulatorCommandLine
{
    public const string Usage = """
        Tokenlay emulator: a local, OpenAI-compatible Tokenlay proxy.

        Usage: tokenlay-emulator [options]   (from this repository: dotnet run --project src/Tokenlay.Emulator.Tool -- [options])

          --urls <url>            where to listen (default http://127.0.0.1:8787)
          --key <key>             the Tokenlay key clients must send (default tl_local)
          --rules <file>          smart rules in Tokenlay's rules format ({"version","rules"} or an array), relative to the current directory
          --forward               relay to x-tokenlay-provider-base instead of simulating the provider
          --data <file>           keep every call, usage and price overrides in this SQLite database across restarts
          --vault-key-file <f>    the key that encrypts connected customer keys (created if missing; default {data}.vault-key;
                                  TOKENLAY_EMULATOR_VAULT_KEY, 32 bytes as base64, wins over both)
          --retain-days <n>       days of calls --data keeps (default 30)
          --max-log-entries <n>   recent calls kept in memory for /v1/logs (default 100000; usage totals stay exact)
          --state <file>          older JSON state file (the whole state rewritten every second); prefer --data
          --max-body-bytes <n>    largest request body accepted (default 4194304)
          --webhook-secret <s>    secret that signs webhook notifications (default whsec_local)
          --upstream-timeout <s>  with --forward: seconds the provider may take to answer, and then between stream events (default 600)
          --allowed-hosts <a,b>   Host names answered besides localhost, 127.0.0.1 and [::1] (default: loopback names only when listening on loopback)
          --labeler <kind>        intent labels: simulated (default: documented phrases), model (asks --labeler-model through the call's provider) or off
          --labeler-model <m>     the model --labeler model asks (default gpt-4o-mini)
          --labeler-timeout <s>   seconds the model labeler may take per text (default 10); then the text has no labels
          --latency-ms <n>        delay added to each simulated reply
          --models <a,b,...>      models to serve besides the price table's (others get 404 model_not_found; * serves all)
          --help                  show this text
        """;

    /// <summary>The environment variable holding the vault key (32 bytes as base64).</summary>
    public const string VaultKeyVariable = "TOKENLAY_EMULATOR_VAULT_KEY";

    /// <summary>Returns the options, or an error message for the user.</summary>
    public static (TokenlayEmulatorOptions? Options, string? Error, bool Help) Parse(string[] args) => Parse(args, out _);

    /// <summary>Returns the options, or an error message for the user; <paramref name="warnings"/> says what the rules file has that the emulator will not act on.</summary>
    public static (TokenlayEmulatorOptions? Options, string? Error, bool Help) Parse(string[] args, out IReadOnlyList<string> warnings)
    {
        warnings = [];
        var options = new TokenlayEmulatorOptions
        {
            Urls = "http://127.0.0.1:8787", LogToConsole = true,
            VaultKey = Environment.GetEnvironmentVariable(VaultKeyVariable) is { Length: > 0 } vaultKey ? vaultKey : null,
        };
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? Value()
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return null;
                }
                return args[++i];
            }
            switch (arg)
            {
                case "--help" or "-h":
                    return (null, null, true);
                case "--forward":
                    options.Forward = true;
                    break;
                case "--urls":
                    options.Urls = Value() ?? "";
                    if (options.Urls.Length == 0) return (null, "--urls needs a URL, for example --urls http://127.0.0.1:8787", false);
                    break;
                case "--key":
                    options.Key = Value() ?? "";
                    if (options.Key.Length == 0) return (null, "--key needs a value, for example --key tl_local", false);
                    break;
                case "--rules":
                    string? path = Value();
                    if (path is null) return (null, "--rules needs a file, for example --rules rules.json", false);
                    try
                    {
                        options.Rules = RuleSet.Load(path, out warnings);
                    }
                    catch (RulesFileException e)
                    {
                        return (null, e.Message, false);
                    }
                    break;
                case "--data":
                    options.DataPath = Value();
                    if (options.DataPath is null) return (null, "--data needs a file, for example --data tokenlay.db", false);
                    break;
                case "--vault-key-file":
                    options.VaultKeyFile = Value();
                    if (options.VaultKeyFile is null) return (null, "--vault-key-file needs a file, for example --vault-key-file tokenlay.vault-key", false);
                    break;
                case "--retain-days":
                    if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int days) || days < 1)
                        return (null, "--retain-days needs a whole number of days, 1 or more", false);
                    options.RetainDays = days;
                    break;
                case "--max-log-entries":
                    if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int entries) || entries < 1)
                        return (null, "--max-log-entries needs a whole number, 1 or more", false);
                    options.MaxLogEntries = entries;
                    break;
                case "--state":
                    options.StatePath = Value();
                    if (options.StatePath is null) return (null, "--state needs a file, for example --state emulator-state.json", false);
                    break;
                case "--max-body-bytes":
                    if (!long.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out long max) || max <= 0)
                        return (null, "--max-body-bytes needs a positive whole number of bytes", false);
                    options.MaxRequestBodyBytes = max;
                    break;
                case "--webhook-secret":
                    options.WebhookSecret = Value() ?? "";
                    if (options.WebhookSecret.Length == 0) return (null, "--webhook-secret needs a value", false);
                    break;
                case "--models":
                    string? models = Value();
                    if (string.IsNullOrWhiteSpace(models)) return (null, "--models needs a comma-separated list, for example --models my-finetune,llama-3", false);
                    options.ExtraModels = models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--upstream-timeout":
                    if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int timeout) || timeout < 1)
                        return (null, "--upstream-timeout needs a whole number of seconds, 1 or more", false);
                    options.UpstreamTimeout = TimeSpan.FromSeconds(timeout);
                    break;
                case "--allowed-hosts":
                    string? hosts = Value();
                    if (string.IsNullOrWhiteSpace(hosts)) return (null, "--allowed-hosts needs a comma-separated list, for example --allowed-hosts emulator.test,*.dev.test", false);
                    options.AllowedHosts = hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--labeler":
                    string? labeler = Value();
                    options.Labeler = labeler switch
                    {
                        "simulated" => EmulatorLabeler.Simulated,
                        "model" => EmulatorLabeler.Model,
                        "off" => EmulatorLabeler.Off,
                        _ => (EmulatorLabeler)(-1),
                    };
                    if (!Enum.IsDefined(options.Labeler)) return (null, "--labeler needs simulated, model or off", false);
                    break;
                case "--labeler-model":
                    options.LabelerModel = Value() ?? "";
                    if (options.LabelerModel.Length == 0) return (null, "--labeler-model needs a model, for example --labeler-model gpt-4o-mini", false);
                    break;
                case "--labeler-timeout":
                    if (!double.TryParse(Value(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double labelerSeconds) || labelerSeconds <= 0 || labelerSeconds > 3600)
                        return (null, "--labeler-timeout needs a number of seconds, more than 0 and at most 3600", false);
                    options.LabelerTimeout = TimeSpan.FromSeconds(labelerSeconds);
                    break;
                case "--latency-ms":
                    if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int ms))
                        return (null, "--latency-ms needs a whole number of milliseconds", false);
                    options.SimulatedLatency = TimeSpan.FromMilliseconds(ms);
                    break;
                default:
                    return (null, $"Unknown option '{arg}'. Run with --help to see the options.", false);
            }
        }
        if (options.DataPath is not null && options.StatePath is not null)
        {
            return (null, "use --data or --state, not both (--data is the durable store)", false);
        }
        return (options, null, false);
    }
}
