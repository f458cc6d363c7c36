namespace Tokenlay.Tests.Infrastructure;

/// <summary>
/// Tests that set process environment variables run in this collection, alone, so that no other
/// test reads a variable one of them set.
/// </summary>
[CollectionDefinition(nameof(EnvironmentVariables), DisableParallelization = true)]
public sealed class EnvironmentVariables;

/// <summary>Sets the four variables <see cref="TokenlayOptions.FromEnvironment"/> reads (unset when not given) and restores them on dispose.</summary>
public sealed class TemporaryEnvironment : IDisposable
{
    private static readonly string[] Names = { "TOKENLAY_KEY", "PROVIDER_API_KEY", "PROVIDER_API_BASE", "TOKENLAY_BASE_URL" };
    private readonly Dictionary<string, string?> _saved = Names.ToDictionary(n => n, Environment.GetEnvironmentVariable);

    public TemporaryEnvironment(Dictionary<string, string> values)
    {
        foreach (string name in Names)
        {
            Environment.SetEnvironmentVariable(name, values.GetValueOrDefault(name));
        }
    }

    public void Dispose()
    {
        foreach ((string name, string? value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
