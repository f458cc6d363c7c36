namespace Tokenlay.Hosting.Tests;

// The public API itself is declared in each package's PublicAPI/<tfm>/*.txt and checked by the
// build (Microsoft.CodeAnalysis.PublicApiAnalyzers); this test guards the seams between packages.

/// <summary>
/// The packages ship and version apart, so a shipped package may open its internals to tests only:
/// a package reading another's internals breaks with MissingMethodException on a minor update.
/// </summary>
public class PackageSeamTests
{
    public static TheoryData<string> ShippedAssemblies => new()
    {
        typeof(TokenlayClient).Assembly.GetName().Name!,
        typeof(Microsoft.Extensions.DependencyInjection.TokenlayServiceCollectionExtensions).Assembly.GetName().Name!,
        typeof(Microsoft.AspNetCore.Builder.TokenlayAspNetCoreExtensions).Assembly.GetName().Name!,
        typeof(Tokenlay.Emulator.TokenlayEmulator).Assembly.GetName().Name!,
    };

    [Theory]
    [MemberData(nameof(ShippedAssemblies))]
    public void A_shipped_package_opens_its_internals_to_test_projects_only(string assemblyName)
    {
        System.Reflection.Assembly assembly = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == assemblyName);
        var friends = assembly.GetCustomAttributes(typeof(System.Runtime.CompilerServices.InternalsVisibleToAttribute), false)
            .Cast<System.Runtime.CompilerServices.InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName)
            .Where(name => !(name.EndsWith(".Tests", StringComparison.Ordinal) || name.EndsWith(".Tests.NetStandard", StringComparison.Ordinal)
                             || name.EndsWith(".Benchmarks", StringComparison.Ordinal)))
            .ToList();
        Assert.Empty(friends);
    }
}
