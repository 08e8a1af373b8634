using System.Collections.Concurrent;
using System.Diagnostics;

namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

/// <summary>
/// Records the stopped activities of the package's source whose scheme tag is <c>scheme</c>: a test
/// uses a scheme name of its own, since the source is shared by every host in the process.
/// </summary>
public sealed class ActivityRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _activities = new();

    public ActivityRecorder(string scheme)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Saml2BearerDefaults.DiagnosticsName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("aspnetcore.authentication.scheme") as string == scheme)
                {
                    _activities.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Activities => _activities.ToArray();

    public IReadOnlyList<Activity> Named(string operationName) =>
        _activities.Where(a => a.OperationName == operationName).ToArray();

    public void Dispose() => _listener.Dispose();
}
