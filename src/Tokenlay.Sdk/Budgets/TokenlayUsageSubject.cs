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

    /// <summary>Further metadata fields, as rules see them.</summary>
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

    internal IEnumerable<KeyValuePair<string, string>> AllMetadata()
    {
        foreach (KeyValuePair<string, string> field in Metadata)
        {
            yield return field;
        }
        foreach ((string name, string? value) in new[] { ("user", User), ("org", Org), ("plan", Plan), ("project", Project), ("feature", Feature) })
        {
            if (value is not null)
            {
                yield return new KeyValuePair<string, string>(name, value);
            }
        }
    }
}
