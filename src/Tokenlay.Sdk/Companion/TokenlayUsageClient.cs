using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Companion;

/// <summary>Reads metered usage (<c>GET /v1/usage</c>). Get it from <see cref="TokenlayClient.Usage"/>.</summary>
public class TokenlayUsageClient
{
    private readonly TokenlayApiTransport? _transport;

    /// <summary>For mocking.</summary>
    protected TokenlayUsageClient()
    {
    }

    internal TokenlayUsageClient(TokenlayApiTransport transport)
    {
        _transport = transport;
    }

    /// <summary>Usage totals, by model, by user and by day, for the calls that match <paramref name="query"/>.</summary>
    /// <param name="query">Filters; null for all calls.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentException">Since is after Until.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached (see the subclasses).</exception>
    public virtual Task<TokenlayUsage> GetAsync(TokenlayUsageQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new TokenlayUsageQuery();
        TokenlayApiTransport.ValidateRange(query.Since, query.Until, nameof(query));
        var parameters = new List<KeyValuePair<string, string?>>
        {
            new("user", query.User),
            new("org", query.Org),
            new("project", query.Project),
            new("feature", query.Feature),
            new("model", query.Model),
            new("key_ref", query.KeyRef),
            new("since", TokenlayApiTransport.Time(query.Since)),
            new("until", TokenlayApiTransport.Time(query.Until)),
        };
        return Transport.SendAsync("GET", "/v1/usage", parameters, null, TokenlayJsonContext.Default.TokenlayUsage, "the usage request", cancellationToken);
    }

    /// <summary>
    /// Records usage that did not pass through the proxy (a browser's Realtime session, a local
    /// model, a provider SDK Tokenlay does not wrap): counted in usage, logs and every limit, like a
    /// proxied call. A record past a limit is still recorded (the spending happened); the result says so.
    /// The idempotency key (generated when not given) makes a retried record count once.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="record"/> is null.</exception>
    /// <exception cref="ArgumentException">CostUsd is negative.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached (see the subclasses).</exception>
    public virtual Task<TokenlayRecordResult> RecordAsync(TokenlayUsageRecord record, CancellationToken cancellationToken = default)
    {
        if (record is null)
        {
            throw new ArgumentNullException(nameof(record));
        }
        return Transport.SendAsync("POST", "/v1/usage/records", null, BudgetRequestWriter.Record(record),
            TokenlayJsonContext.Default.TokenlayRecordResult, "the usage record", cancellationToken);
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
