// Shared source compiled into two assemblies: plain comments, not XML docs, because the emulator's
// OpenAPI generator reads the XML docs of both and refuses a member documented twice.
namespace Tokenlay.Wire;

// <summary>
// The <c>error.type</c> and <c>error.code</c> values of Tokenlay's refusals, in the OpenAI error
// shape. Shared source: the emulator writes them and the SDK maps them to typed exceptions from the
// same constants.
// </summary>
internal static class TokenlayErrorCodes
{
    // error.type
    public const string InvalidRequestType = "invalid_request_error";
    public const string LimitExceededType = "limit_exceeded";
    public const string InsufficientCreditsType = "insufficient_credits";
    public const string PermissionType = "permission_error";
    public const string ConflictType = "conflict_error";
    public const string IdempotencyType = "idempotency_error";

    // error.code
    public const string BlockedType = "blocked";
    public const string SubjectBlocked = "subject_blocked";
    public const string KeyNotConnected = "key_not_connected";
    public const string KeyRevoked = "key_revoked";
    public const string ModelNotFound = "model_not_found";
    public const string NotFound = "not_found";
    public const string InvalidValue = "invalid_value";
    public const string MissingRequiredParameter = "missing_required_parameter";
    public const string InvalidJson = "invalid_json";
    public const string InvalidCursor = "invalid_cursor";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string BlockNotFound = "block_not_found";

    // x-tokenlay-error-source
    public const string SourceTokenlay = "tokenlay";
    public const string SourceProvider = "provider";
}
