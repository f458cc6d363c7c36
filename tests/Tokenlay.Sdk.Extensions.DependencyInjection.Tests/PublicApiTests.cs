using Tokenlay.AspNetCore;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Hosting.Tests;

public class PublicApiTests
{
    [Fact]
    public void The_public_api_of_the_dependency_injection_package_matches_the_checked_in_listing() =>
        ApiListing.AssertMatches(typeof(Microsoft.Extensions.DependencyInjection.TokenlayServiceCollectionExtensions).Assembly, "api/Tokenlay.Sdk.Extensions.DependencyInjection.txt");

    [Fact]
    public void The_public_api_of_the_aspnetcore_package_matches_the_checked_in_listing() =>
        ApiListing.AssertMatches(typeof(Microsoft.AspNetCore.Builder.TokenlayAspNetCoreExtensions).Assembly, "api/Tokenlay.Sdk.AspNetCore.txt");
}
