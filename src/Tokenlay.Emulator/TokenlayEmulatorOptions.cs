using System;
using System.Collections.Generic;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator;

/// <summary>Settings for a <see cref="TokenlayEmulator"/>.</summary>
public sealed class TokenlayEmulatorOptions
{
    /// <summary>The key clients must send as <c>Authorization: Bearer</c>. Defaults to <c>tl_local</c>.</summary>
    public string Key { get; set; } = "tl_local";

    /// <summary>Where to listen. Defaults to <c>http://127.0.0.1:0</c> (a free loopback port).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>
    /// Relay calls to the request's <c>x-tokenlay-provider-base</c> with its provider key instead of
    /// simulating the provider. Off by default, so the emulator works with no network.
    /// </summary>
    public bool Forward { get; set; }

    /// <summary>Smart rules in Tokenlay's rules format; see <see cref="RuleSet.Parse(string, string)"/>.</summary>
    public IReadOnlyList<Rule> Rules { get; set; } = Array.Empty<Rule>();

    /// <summary>The largest request body accepted, in bytes; larger ones get 413. Defaults to 4 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A JSON file that keeps logs and price overrides across restarts; null keeps them in memory only. Prefer <see cref="DataPath"/>.</summary>
    public string? StatePath { get; set; }

    /// <summary>
    /// A SQLite database that keeps every call, usage totals and price overrides across restarts
    /// (<c>--data</c>); null keeps them in memory only.
    /// </summary>
    public string? DataPath { get; set; }

    /// <summary>How many days of call log <see cref="DataPath"/> keeps (<c>--retain-days</c>). Defaults to 30.</summary>
    public int RetainDays { get; set; } = 30;

    /// <summary>
    /// How many recent calls the in-memory log keeps for <c>/v1/logs</c>; older ones are dropped from
    /// the log but stay counted in usage totals and limits. Defaults to 100,000.
    /// </summary>
    public int MaxLogEntries { get; set; } = 100_000;

    /// <summary>How long a request body may take to arrive before the call gets 408. Defaults to 30 seconds.</summary>
    public TimeSpan RequestBodyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an idempotency key is remembered (Stripe's 24 hours by default).</summary>
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>At most this many idempotency keys are remembered; the oldest are forgotten first. Defaults to 10,000.</summary>
    public int MaxIdempotencyKeys { get; set; } = 10_000;

    /// <summary>
    /// Output tokens held at admission for a call that sets no <c>max_tokens</c>/<c>max_completion_tokens</c>/<c>max_output_tokens</c>,
    /// against token and cost limits. Defaults to 256.
    /// </summary>
    public long DefaultOutputTokenEstimate { get; set; } = 256;

    /// <summary>The secret that signs webhook notifications. Defaults to <c>whsec_local</c>.</summary>
    public string WebhookSecret { get; set; } = "whsec_local";

    /// <summary>
    /// How long to wait before each retry of a webhook delivery that failed: by default 10 seconds,
    /// 1 minute and 5 minutes (four attempts in all). Empty: one attempt only.
    /// </summary>
    public IReadOnlyList<TimeSpan> WebhookRetryDelays { get; set; } = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)];

    /// <summary>
    /// Models the simulated provider serves besides those in the price table and the price overrides
    /// (<c>--models</c>). Any other model gets 404 <c>model_not_found</c>, as the provider answers;
    /// one entry <c>*</c> serves every model.
    /// </summary>
    public IReadOnlyList<string> ExtraModels { get; set; } = [];

    /// <summary>Added before every simulated reply, to make concurrency and timeouts observable.</summary>
    public TimeSpan SimulatedLatency { get; set; } = TimeSpan.Zero;

    /// <summary>Added between simulated stream chunks.</summary>
    public TimeSpan SimulatedChunkDelay { get; set; } = TimeSpan.Zero;

    /// <summary>How long a <c>queue</c> action waits for a concurrency slot before it blocks. Defaults to 30 seconds.</summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Write warnings and errors to the console (the command-line app turns this on).</summary>
    public bool LogToConsole { get; set; }

    /// <summary>
    /// In <c>--forward</c>, how long the provider may take to send its answer's headers, and then
    /// each part of a stream (<c>--upstream-timeout</c>). At the timeout the call fails as a provider
    /// timeout (504), is settled and what it held is released. Defaults to 10 minutes.
    /// </summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// <c>Host</c> header values answered besides the loopback names (<c>localhost</c>, <c>127.0.0.1</c>,
    /// <c>[::1]</c>) when the emulator listens on loopback (<c>--allowed-hosts</c>); <c>*.example.test</c>
    /// patterns and <c>*</c> (any host) are accepted. A page on another site that rebinds its DNS to
    /// 127.0.0.1 sends its own name as the host, so it gets 400 instead of the emulator's data.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// The most output tokens a call that sets no <c>max_tokens</c> holds against a token or cost
    /// limit, and so may produce: the emulator sends the provider this cap (or less, when less is
    /// left), so that no hard limit can be passed. Defaults to 4,096.
    /// </summary>
    public long UncappedOutputTokenHold { get; set; } = 4096;

    /// <summary>
    /// Credits a call burns per US dollar of its cost, on accounts that a rule's <c>then.credits</c>
    /// covers (<c>--credits-per-usd</c>). Defaults to 100: one credit is one US cent.
    /// </summary>
    public decimal CreditsPerUsd { get; set; } = 100m;

    /// <summary>Per-model credit rates, in credits per 1M input and output tokens, used instead of the price for those models.</summary>
    public IReadOnlyDictionary<string, Pricing.ModelPrice> ModelCreditRates { get; set; } = new Dictionary<string, Pricing.ModelPrice>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The key that encrypts connected keys' secrets at rest (AES-256-GCM): 32 random bytes as base64
    /// (<c>TOKENLAY_EMULATOR_VAULT_KEY</c>). Wins over <see cref="VaultKeyFile"/>. With neither, a
    /// <c>{DataPath}.vault-key</c> file is created beside the database, readable by its owner only;
    /// without <see cref="DataPath"/> the vault lives in memory with a key for this run only.
    /// </summary>
    public string? VaultKey { get; set; }

    /// <summary>A file holding the vault key (<c>--vault-key-file</c>), created with a new random key, owner-only, if missing.</summary>
    public string? VaultKeyFile { get; set; }

    /// <summary>
    /// How conversations get intent labels (<c>--labeler</c>): <see cref="EmulatorLabeler.Simulated"/> (the default, in
    /// both modes), <see cref="EmulatorLabeler.Model"/> or <see cref="EmulatorLabeler.Off"/>. A labeler failure or
    /// timeout never fails the user's call: the log entry gets <c>labels_error</c>.
    /// </summary>
    public EmulatorLabeler Labeler { get; set; } = EmulatorLabeler.Simulated;

    /// <summary>The model <see cref="EmulatorLabeler.Model"/> asks (<c>--labeler-model</c>). Defaults to <c>gpt-4o-mini</c>.</summary>
    public string LabelerModel { get; set; } = "gpt-4o-mini";

    /// <summary>
    /// How long the model labeler may take per text (<c>--labeler-timeout</c>), measured on <see cref="TimeProvider"/>;
    /// then the text has no labels and the entry says why. Defaults to 10 seconds.
    /// </summary>
    public TimeSpan LabelerTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// At most this many subjects (<c>user:alice</c>, <c>org:acme</c>) have their recent labels kept for
    /// <c>recent_labels</c> rules and <c>/v1/check</c>; those seen longest ago are forgotten first. Defaults to 100,000.
    /// </summary>
    public int MaxLabelSubjects { get; set; } = 100_000;

    /// <summary>Time source; tests move it to cross window boundaries.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
