using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.Loader;
using OpenAI;
using OpenAI.Chat;

namespace Tokenlay.Benchmarks;

/// <summary>
/// Two builds of Tokenlay.Sdk in one process, interleaved batch by batch with the raw client and the
/// control: the earlier build is loaded into its own AssemblyLoadContext, sharing the OpenAI library
/// and System.ClientModel with this one (the same versions), so both return plain OpenAI clients over
/// the same in-memory transport. Separate processes drift by more than the difference measured here.
/// </summary>
internal static class SdkBuildAbTest
{
    private static readonly ChatMessage[] Messages = [new UserChatMessage("Hello!")];

    public static async Task RunAsync(string oldSdkPath, int rounds, int batch)
    {
        var clients = new BenchmarkClients();
        Assembly old = new OldSdkContext(oldSdkPath).LoadFromAssemblyPath(Path.GetFullPath(oldSdkPath));
        ChatClient oldClient = CreateOld(old, clients.Transport);
        Func<IDisposable> oldScope = OldScope(old, "user_123");
        var scope = new TokenlayRequestContext { User = "user_123" };
        ChatClient raw = clients.Raw, control = clients.RawPlusHeaders, current = clients.Tokenlay;

        Console.WriteLine($"old: {old.Location}");
        var variants = new (string Name, Func<Task> Call)[]
        {
            ("raw", async () => await raw.CompleteChatAsync(Messages)),
            ("raw + 4 constant headers (control)", async () => await control.CompleteChatAsync(Messages)),
            ("old build, no scope", async () => await oldClient.CompleteChatAsync(Messages)),
            ("this build, no scope", async () => await current.CompleteChatAsync(Messages)),
            ("old build, one scope", async () =>
            {
                using (oldScope())
                {
                    await oldClient.CompleteChatAsync(Messages);
                }
            }),
            ("this build, one scope", async () =>
            {
                using (TokenlayScope.Begin(scope))
                {
                    await current.CompleteChatAsync(Messages);
                }
            }),
        };
        List<double>[] times = await InterleavedAbTest.RunVariantsAsync(variants, rounds, batch);
        InterleavedAbTest.PrintRatio("this build / old build, no scope", times[3], times[2]);
        InterleavedAbTest.PrintRatio("this build / old build, one scope", times[5], times[4]);
    }

    // The old build's TokenlayOpenAIClient.Create(TokenlayOptions, Action<OpenAIClientOptions>), through
    // reflection once: its types are the old assembly's, but the client it returns is OpenAI's own.
    private static ChatClient CreateOld(Assembly old, System.ClientModel.Primitives.PipelineTransport transport)
    {
        Type optionsType = old.GetType("Tokenlay.TokenlayOptions", throwOnError: true)!;
        object options = Activator.CreateInstance(optionsType)!;
        optionsType.GetProperty("TokenlayKey")!.SetValue(options, "tl_bench");
        optionsType.GetProperty("ProviderApiKey")!.SetValue(options, "sk-bench");
        ((IDictionary<string, string>)optionsType.GetProperty("Metadata")!.GetValue(options)!)["project"] = "bench";
        MethodInfo create = old.GetType("Tokenlay.TokenlayOpenAIClient", throwOnError: true)!
            .GetMethod("Create", [optionsType, typeof(Action<OpenAIClientOptions>)])!;
        Action<OpenAIClientOptions> configure = o => o.Transport = transport;
        return ((OpenAIClient)create.Invoke(null, [options, configure])!).GetChatClient("gpt-4o-mini");
    }

    // TokenlayScope.Begin(new TokenlayRequestContext { User = user }) of the old build, compiled to a
    // delegate so that a scope costs there what it costs here, not a reflection call.
    private static Func<IDisposable> OldScope(Assembly old, string user)
    {
        Type contextType = old.GetType("Tokenlay.TokenlayRequestContext", throwOnError: true)!;
        object context = Activator.CreateInstance(contextType)!;
        contextType.GetProperty("User")!.SetValue(context, user);
        MethodInfo begin = old.GetType("Tokenlay.TokenlayScope", throwOnError: true)!.GetMethod("Begin", [contextType])!;
        return Expression.Lambda<Func<IDisposable>>(Expression.Call(begin, Expression.Constant(context, contextType))).Compile();
    }

    /// <summary>Loads the old Tokenlay.Sdk only; every other assembly is this process's, so OpenAI's types are shared.</summary>
    private sealed class OldSdkContext(string sdkPath) : AssemblyLoadContext("old Tokenlay.Sdk")
    {
        protected override Assembly? Load(AssemblyName name) =>
            name.Name == "Tokenlay.Sdk" ? LoadFromAssemblyPath(Path.GetFullPath(sdkPath)) : null;
    }
}
