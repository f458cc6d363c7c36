namespace Tokenlay.Emulator.Proxy;

/// <summary>Why a request was refused before anything ran: an OpenAI-shaped error naming the parameter to fix.</summary>
internal sealed record RequestError(int Status, string Message, string Code, string? Param = null, string Type = "invalid_request_error");
