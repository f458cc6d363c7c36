using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.IO;
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
    public virtual Task<ClientResult<TokenlayUsage>> GetAsync(TokenlayUsageQuery? query = null, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(GetRequest(query), TokenlayJsonContext.Default.TokenlayUsage, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetAsync"/>.</summary>
    public virtual ClientResult<TokenlayUsage> Get(TokenlayUsageQuery? query = null, CancellationToken cancellationToken = default) =>
        Transport.Send(GetRequest(query), TokenlayJsonContext.Default.TokenlayUsage, cancellationToken);

    /// <summary>
    /// Records usage that did not pass through the proxy (a browser's Realtime session, a local
    /// model, a provider SDK Tokenlay does not wrap): counted in usage, logs and every limit, like a
    /// proxied call. A record past a limit is still recorded (the spending happened); the result says so.
    /// The idempotency key (generated when not given) makes a retried record count once.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="record"/> is null.</exception>
    /// <exception cref="ArgumentException">CostUsd is negative.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached (see the subclasses).</exception>
    public virtual Task<ClientResult<TokenlayRecordResult>> RecordAsync(TokenlayUsageRecord record, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(RecordRequest(TokenlayApiRequest.Json(BudgetRequestWriter.Record(record ?? throw new ArgumentNullException(nameof(record))))),
            TokenlayJsonContext.Default.TokenlayRecordResult, cancellationToken);

    /// <summary>The synchronous form of <see cref="RecordAsync(TokenlayUsageRecord, CancellationToken)"/>.</summary>
    public virtual ClientResult<TokenlayRecordResult> Record(TokenlayUsageRecord record, CancellationToken cancellationToken = default) =>
        Transport.Send(RecordRequest(TokenlayApiRequest.Json(BudgetRequestWriter.Record(record ?? throw new ArgumentNullException(nameof(record))))),
            TokenlayJsonContext.Default.TokenlayRecordResult, cancellationToken);

    /// <summary>
    /// [Protocol method] Sends a usage record written by the caller (the body of <c>POST /v1/usage/records</c>)
    /// and returns the raw answer. Give the body an <c>idempotency_key</c> so that a retry counts once.
    /// </summary>
    /// <param name="content">The JSON body.</param>
    /// <param name="options">Headers, cancellation and error behaviour of this request.</param>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused (unless <paramref name="options"/> says NoThrow) or could not be reached.</exception>
    public virtual Task<ClientResult> RecordAsync(BinaryContent content, RequestOptions? options) =>
        Transport.SendAsync(RecordRequest(content), options);

    /// <summary>[Protocol method] The synchronous form of <see cref="RecordAsync(BinaryContent, RequestOptions)"/>.</summary>
    public virtual ClientResult Record(BinaryContent content, RequestOptions? options) =>
        Transport.Send(RecordRequest(content), options);

    private static TokenlayApiRequest RecordRequest(BinaryContent content) =>
        new("POST", "/v1/usage/records", "the usage record") { Content = content ?? throw new ArgumentNullException(nameof(content)) };

    private static TokenlayApiRequest GetRequest(TokenlayUsageQuery? query)
    {
        query ??= new TokenlayUsageQuery();
        TokenlayApiTransport.ValidateRange(query.Since, query.Until, nameof(query));
        return new TokenlayApiRequest("GET", "/v1/usage", "the usage request")
        {
            Query = new KeyValuePair<string, string?>[]
            {
                new("user", query.User),
                new("org", query.Org),
                new("project", query.Project),
                new("feature", query.Feature),
                new("model", query.Model),
                new("key_ref", query.KeyRef),
                new("since", TokenlayApiTransport.Time(query.Since)),
                new("until", TokenlayApiTransport.Time(query.Until)),
            },
        };
    }

    /// <summary>
    /// Exports usage totals of the calls that match <paramref name="query"/>, one row per group of
    /// <paramref name="groupBy"/> (<c>day</c>, <c>user</c>, <c>model</c>, <c>feature</c>, <c>org</c>, in the
    /// order given) with the columns <c>requests,input_tokens,output_tokens,cost_usd</c> after the group
    /// columns, copied into <paramref name="destination"/> as it streams in.
    /// </summary>
    /// <param name="query">Filters; null for all calls.</param>
    /// <param name="groupBy">The grouping, for example <c>["day", "user"]</c>; at least one name, each once.</param>
    /// <param name="destination">Where the file is written, from its current position; it is not closed.</param>
    /// <param name="format"><see cref="TokenlayExportFormat.Csv"/> or <see cref="TokenlayExportFormat.JsonLines"/>.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The number of bytes written to <paramref name="destination"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="groupBy"/> or <paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentException">The grouping is empty or repeats a name, the destination is not writable, or Since is after Until.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused (an unknown group is a <see cref="TokenlayValidationException"/>) or could not be reached.</exception>
    public virtual Task<long> ExportAsync(TokenlayUsageQuery? query, IEnumerable<string> groupBy, Stream destination, TokenlayExportFormat format,
        CancellationToken cancellationToken = default) =>
        Transport.CopyToAsync(ExportRequest(query, groupBy, destination, format), format.MediaType, destination, cancellationToken);

    /// <summary>The synchronous form of <see cref="ExportAsync"/>.</summary>
    public virtual long Export(TokenlayUsageQuery? query, IEnumerable<string> groupBy, Stream destination, TokenlayExportFormat format,
        CancellationToken cancellationToken = default) =>
        Transport.CopyTo(ExportRequest(query, groupBy, destination, format), format.MediaType, destination, cancellationToken);

    private static TokenlayApiRequest ExportRequest(TokenlayUsageQuery? query, IEnumerable<string> groupBy, Stream destination, TokenlayExportFormat format)
    {
        if (groupBy is null)
        {
            throw new ArgumentNullException(nameof(groupBy));
        }
        var groups = new List<string>();
        foreach (string group in groupBy)
        {
            if (string.IsNullOrWhiteSpace(group) || group.IndexOf(',') >= 0)
            {
                throw new ArgumentException("Each group is one name: day, user, model, feature or org.", nameof(groupBy));
            }
            if (groups.Contains(group.Trim()))
            {
                throw new ArgumentException($"'{group}' is named twice in groupBy.", nameof(groupBy));
            }
            groups.Add(group.Trim());
        }
        if (groups.Count == 0)
        {
            throw new ArgumentException("Name at least one group: day, user, model, feature or org.", nameof(groupBy));
        }
        Exports.CheckDestination(destination);
        query ??= new TokenlayUsageQuery();
        TokenlayApiTransport.ValidateRange(query.Since, query.Until, nameof(query));
        var parameters = new KeyValuePair<string, string?>[]
        {
            new("format", format.ToString()),
            new("group_by", string.Join(",", groups)),
            new("user", query.User),
            new("org", query.Org),
            new("project", query.Project),
            new("feature", query.Feature),
            new("model", query.Model),
            new("since", TokenlayApiTransport.Time(query.Since)),
            new("until", TokenlayApiTransport.Time(query.Until)),
        };
        return new TokenlayApiRequest("GET", "/v1/usage/export", "the usage export") { Query = parameters };
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
