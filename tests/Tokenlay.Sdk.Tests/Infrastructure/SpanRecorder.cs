using System.Collections.Concurrent;
using System.Diagnostics;

namespace Tokenlay.Tests.Infrastructure;

/// <summary>
/// Records the spans of the <c>Tokenlay.Sdk</c> ActivitySource made under one parent activity of
/// the test's own (tests run in parallel, so each keeps to its own trace).
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    private readonly ActivitySource _parentSource = new("Tokenlay.Tests.Parent." + Guid.NewGuid().ToString("N"));
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _spans = new();

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TokenlayTelemetry.ActivitySourceName || s.Name == _parentSource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == TokenlayTelemetry.ActivitySourceName && Parent is { } parent && activity.TraceId == parent.TraceId)
                {
                    _spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public Activity? Parent { get; private set; }

    /// <summary>Starts the parent activity every recorded span must descend from.</summary>
    public Activity StartParent(string name = "handle request") => Parent = _parentSource.StartActivity(name)!;

    public IReadOnlyList<Activity> Spans => _spans.ToArray();

    public void Dispose()
    {
        _listener.Dispose();
        _parentSource.Dispose();
    }
}
