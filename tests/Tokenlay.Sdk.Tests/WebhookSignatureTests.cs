namespace Tokenlay.Tests;

public class WebhookSignatureTests
{
    private const string Secret = "whsec_primary_0123456789";
    private const string Payload = """{"id":"evt_1","type":"limit.exceeded","created":1795000000,"data":{"rule_id":"free-tier","action":"block","user":"bob","limit":{"type":"requests","window":"day","per":"user","current":2,"max":2,"resets_at":"2026-11-23T00:00:00Z"}}}""";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_795_000_000);

    private static TokenlayWebhookEvent Construct(string payload, string header, params string[] secrets) =>
        TokenlayWebhooks.ConstructEvent(payload, header, secrets, TokenlayWebhooks.DefaultTolerance, Now);

    [Fact]
    public void A_valid_signature_gives_a_typed_event_that_keeps_the_raw_json()
    {
        string header = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, Now);

        var e = Assert.IsType<TokenlayLimitEvent>(Construct(Payload, header, Secret));

        Assert.Equal("evt_1", e.Id);
        Assert.Equal(TokenlayWebhookEvent.LimitExceededType, e.Type);
        Assert.Equal(Now, e.Created);
        Assert.Equal("free-tier", e.RuleId);
        Assert.Equal("bob", e.User);
        Assert.Equal(2m, e.Limit!.Max);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), e.Limit.ResetsAt);
        Assert.Equal(Payload, e.RawJson);
    }

    [Fact]
    public void A_tampered_body_is_refused()
    {
        string header = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, Now);

        var error = Assert.Throws<TokenlayWebhookSignatureException>(() => Construct(Payload.Replace("bob", "eve"), header, Secret));
        Assert.Contains("does not match", error.Message);
    }

    [Fact]
    public void A_wrong_secret_is_refused()
    {
        string header = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, Now);

        Assert.Throws<TokenlayWebhookSignatureException>(() => Construct(Payload, header, "whsec_someone_else"));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void A_timestamp_outside_the_tolerance_is_refused_as_a_possible_replay(int offsetSeconds)
    {
        string header = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, Now.AddSeconds(offsetSeconds));

        var error = Assert.Throws<TokenlayWebhookSignatureException>(() => Construct(Payload, header, Secret));
        Assert.Contains("tolerance", error.Message);
    }

    [Fact]
    public void A_timestamp_inside_the_tolerance_is_accepted()
    {
        string header = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, Now.AddSeconds(-299));

        Assert.NotNull(Construct(Payload, header, Secret));
    }

    [Fact]
    public void During_rotation_a_header_with_old_and_new_signatures_verifies_with_either_secret()
    {
        const string OldSecret = "whsec_old_secret_abcdef";
        string newHeader = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, Now);
        string oldSignature = TokenlayWebhooks.ComputeSignatureHeader(Payload, OldSecret, Now).Split(',')[1];
        string rotating = newHeader + "," + oldSignature;

        Assert.NotNull(Construct(Payload, rotating, Secret));
        Assert.NotNull(Construct(Payload, rotating, OldSecret));
        Assert.NotNull(Construct(Payload, newHeader, "whsec_not_it", Secret)); // the receiver may hold several secrets
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "missing")]
    [InlineData("v1=abcd", "t= timestamp")]
    [InlineData("t=abc,v1=abcd", "t= timestamp")]
    [InlineData("t=1795000000", "no v1= signature")]
    [InlineData("t=1795000000,v1=zz", "no v1= signature")]
    public void Malformed_headers_are_refused_with_a_message_saying_what_is_wrong(string? header, string expected)
    {
        var error = Assert.Throws<TokenlayWebhookSignatureException>(() => Construct(Payload, header!, Secret));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Unknown_event_types_still_parse_as_a_base_event()
    {
        const string Other = """{"id":"evt_2","type":"usage.report","created":1795000000,"data":{}}""";

        TokenlayWebhookEvent e = Construct(Other, TokenlayWebhooks.ComputeSignatureHeader(Other, Secret, Now), Secret);

        Assert.Equal(typeof(TokenlayWebhookEvent), e.GetType());
        Assert.Equal("usage.report", e.Type);
    }

    [Fact]
    public void The_public_overload_checks_against_the_current_time()
    {
        string fresh = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, DateTimeOffset.UtcNow);
        string stale = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, DateTimeOffset.UtcNow.AddHours(-1));

        Assert.NotNull(TokenlayWebhooks.ConstructEvent(Payload, fresh, Secret));
        Assert.Throws<TokenlayWebhookSignatureException>(() => TokenlayWebhooks.VerifySignature(Payload, stale, Secret));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-300)]
    public void A_tolerance_of_zero_or_less_is_refused_rather_than_disabling_the_replay_check(int seconds)
    {
        string monthOld = TokenlayWebhooks.ComputeSignatureHeader(Payload, Secret, DateTimeOffset.UtcNow.AddDays(-30));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TokenlayWebhooks.ConstructEvent(Payload, monthOld, Secret, TimeSpan.FromSeconds(seconds)));

        Assert.Equal("tolerance", error.ParamName);
    }

    [Theory]
    [InlineData("""[{"id":"evt_1","type":"limit.exceeded"}]""")]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    public void A_correctly_signed_payload_that_is_not_an_object_gives_the_documented_argument_exception(string payload)
    {
        string header = TokenlayWebhooks.ComputeSignatureHeader(payload, Secret, Now);

        var error = Assert.Throws<ArgumentException>(() => Construct(payload, header, Secret));

        Assert.Equal("payload", error.ParamName);
        Assert.Contains("not a Tokenlay event object", error.Message);
    }

    [Fact]
    public void A_bad_signature_is_not_a_call_error_so_a_catch_around_OpenAI_calls_does_not_swallow_it()
    {
        Exception error = Assert.ThrowsAny<Exception>(() => Construct(Payload, "t=1,v1=00", Secret));

        Assert.IsType<TokenlayWebhookSignatureException>(error);
        Assert.IsNotAssignableFrom<System.ClientModel.ClientResultException>(error);
    }
}
