using System;
using System.Collections.Generic;

namespace Tokenlay;

/// <summary>
/// Whom and what a budget request is about: the model and the metadata a proxied call would carry
/// (user, org, plan, project, feature, custom fields), so it meets the same rule and limits.
/// </summary>
public abstract class TokenlayUsageSubject
{
    /// <summary>Creates the subject for <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="model"/> is empty.</exception>
    protected TokenlayUsageSubject(string model)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new ArgumentException("The model is required, for example \"gpt-4o-mini\".", nameof(model));
        }
        Model = model;
    }

    /// <summary>The model, as a proxied call would name it.</summary>
    public string Model { get; }

    /// <summary>Attribution: <c>metadata.user</c>.</summary>
    public string? User { get; set; }

    /// <summary>Attribution: <c>metadata.org</c>.</summary>
    public string? Org { get; set; }

    /// <summary>Attribution: <c>metadata.plan</c>.</summary>
    public string? Plan { get; set; }

    /// <summary>Attribution: <c>metadata.project</c>.</summary>
    public string? Project { get; set; }

    /// <summary>Attribution: <c>metadata.feature</c>.</summary>
    public string? Feature { get; set; }

    /// <summary>
    /// Further metadata fields, as rules see them. Merged with the named properties key by key
    /// (<see cref="User"/> wins over <c>Metadata["user"]</c>, as in a scope); the SDK's own header
    /// names (<c>provider-key</c>, <c>provider-base</c>, <c>idempotency-key</c>, <c>reservation</c>,
    /// <c>key</c>) are refused with an <see cref="ArgumentException"/> naming the entry.
    /// </summary>
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes the attribution of <paramref name="context"/> (for example <see cref="TokenlayScope.Current"/>) where this subject has none.</summary>
    /// <returns>This subject, for chaining.</returns>
    public TokenlayUsageSubject WithContext(TokenlayRequestContext? context)
    {
        if (context is null)
        {
            return this;
        }
        User ??= context.User;
        Org ??= context.Org;
        Plan ??= context.Plan;
        Project ??= context.Project;
        Feature ??= context.Feature;
        foreach (KeyValuePair<string, string> field in context.Metadata)
        {
            if (!Metadata.ContainsKey(field.Key))
            {
                Metadata[field.Key] = field.Value;
            }
        }
        return this;
    }

    /// <summary>
    /// The metadata as sent: <see cref="Metadata"/> merged key by key (names are case-insensitive)
    /// with the named properties, which win, as a scope's named properties win over its metadata;
    /// so each field is sent once.
    /// </summary>
    /// <exception cref="ArgumentException">A metadata name is empty or reserved (one of the SDK's own header names), named in the message.</exception>
    internal IReadOnlyList<KeyValuePair<string, string>> AllMetadata()
    {
        var merged = new List<KeyValuePair<string, string>>();
        void Put(string name, string value)
        {
            int at = merged.FindIndex(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));
            if (at >= 0)
            {
                merged[at] = new KeyValuePair<string, string>(merged[at].Key, value);
            }
            else
            {
                merged.Add(new KeyValuePair<string, string>(name, value));
            }
        }
        foreach (KeyValuePair<string, string> field in Metadata)
        {
            TokenlayResolvedContext.RefuseReservedMetadata(field.Key);
            if (field.Value is not null)
            {
                Put(field.Key, field.Value);
            }
        }
        foreach ((string name, string? value) in new[] { ("user", User), ("org", Org), ("plan", Plan), ("project", Project), ("feature", Feature) })
        {
            if (value is not null)
            {
                Put(name, value);
            }
        }
        return merged;
    }
}
