using System;
using System.Collections.Generic;

namespace Tokenlay.Emulator.Keys;

// The shapes of /v1/keys for the OpenAPI document only: the endpoints read and write JSON nodes
// (so that every field is checked and named in a 400), and these records describe that JSON.

/// <summary>The body of <c>POST /v1/keys</c>.</summary>
/// <param name="RefId">The customer: free text, at most 200 characters.</param>
/// <param name="Provider"><c>openai</c>, <c>anthropic</c>, <c>azure-openai</c> or <c>openai-compatible</c>.</param>
/// <param name="Key">The provider API key; never returned.</param>
/// <param name="BaseUrl">Required for <c>openai-compatible</c> and <c>azure-openai</c>.</param>
/// <param name="Config">Azure OpenAI: <c>deployment</c> (required) and <c>api_version</c>.</param>
/// <param name="Label">A label for lists and the dashboard.</param>
/// <param name="Validate">Ask the provider first (default true; simulated mode never asks).</param>
/// <param name="IdempotencyKey">Makes a retried connect connect once (or send <c>x-tokenlay-idempotency-key</c>).</param>
internal sealed record KeyConnectBody(string RefId, string Provider, string Key, string? BaseUrl, KeyConfigBody? Config, string? Label, bool? Validate, string? IdempotencyKey);

/// <summary>Provider-specific settings of a key.</summary>
/// <param name="Deployment">Azure OpenAI: the deployment calls go to.</param>
/// <param name="ApiVersion">Azure OpenAI: the data-plane <c>api-version</c> (default 2024-10-21).</param>
internal sealed record KeyConfigBody(string? Deployment, string? ApiVersion);

/// <summary>The body of <c>PUT /v1/keys/{id}</c> (rotate).</summary>
/// <param name="Key">The new provider API key; the old one is erased.</param>
/// <param name="Validate">Ask the provider first (default true).</param>
internal sealed record KeyRotateBody(string Key, bool? Validate);

/// <summary>A connected key as the API shows it: never the secret, only its last four characters.</summary>
internal sealed record ConnectedKeyView(
    string Id, string Object, string RefId, string Provider, string BaseUrl, string KeyHint, string Status, string? Label, KeyConfigBody? Config,
    DateTimeOffset CreatedAt, DateTimeOffset? LastValidatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? FirstUsedAt, long CallCount,
    DateTimeOffset? RotatedAt, DateTimeOffset? RevokedAt, KeyValidationView? Validation);

/// <summary>What a validation gave (only on <c>POST /v1/keys/{id}/validate</c>).</summary>
internal sealed record KeyValidationView(string Outcome, int? ProviderStatus, string? Detail);

/// <summary>A page of keys.</summary>
internal sealed record ConnectedKeyPage(string Object, IReadOnlyList<ConnectedKeyView> Data, string? NextCursor);

/// <summary>One audit event: <c>connected</c>, <c>validated</c>, <c>rotated</c>, <c>revoked</c> or <c>used</c>.</summary>
internal sealed record KeyEventView(string Id, string Object, string KeyId, string Type, DateTimeOffset CreatedAt, string Actor, string? Outcome, string? Detail);

/// <summary>A page of a key's events.</summary>
internal sealed record KeyEventPage(string Object, IReadOnlyList<KeyEventView> Data, string? NextCursor);
