using System.Runtime.Versioning;

namespace Tokenlay.Tests;

/// <summary>Pins which build of Tokenlay.Sdk a run of this suite exercises, so a target cannot go untested unnoticed.</summary>
public class BuildUnderTestTests
{
    [Fact]
    public void The_suite_runs_against_the_intended_build_of_the_sdk()
    {
        string? framework = typeof(TokenlayOptions).Assembly.GetCustomAttributes(typeof(TargetFrameworkAttribute), false)
            .OfType<TargetFrameworkAttribute>().SingleOrDefault()?.FrameworkName;
#if TOKENLAY_TESTS_NETSTANDARD
        Assert.Equal(".NETStandard,Version=v2.0", framework);
#else
        Assert.Equal(".NETCoreApp,Version=v8.0", framework);
#endif
    }

    [Fact]
    public void The_suite_runs_on_the_intended_runtime()
    {
#if TOKENLAY_TESTS_NET8
        Assert.Equal(8, Environment.Version.Major);
#else
        Assert.Equal(10, Environment.Version.Major);
#endif
    }
}
