using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class PublicApiTests
{
    [Fact]
    public void The_public_api_of_Tokenlay_Sdk_matches_the_checked_in_listing() =>
        ApiListing.AssertMatches(typeof(TokenlayOpenAIClient).Assembly, "api/Tokenlay.Sdk.txt");
}
