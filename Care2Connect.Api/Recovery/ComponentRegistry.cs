using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Recovery;

/// <summary>A component with what was last seen of it.</summary>
internal sealed record ComponentSnapshot(string Name, bool Critical, string? Action, ProbeResult Probe);

/// <summary>
/// The components the API depends on, in recovery order (the database before the breaker that guards it, both
/// before the job host that uses them), with the latest probe of each so the health API answers from memory.
/// </summary>
internal sealed class ComponentRegistry
{
    private readonly IReadOnlyList<IRecoverableComponent> _components;
    private readonly IOptionsMonitor<RecoveryOptions> _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ProbeResult> _latest = new(StringComparer.OrdinalIgnoreCase);

    public ComponentRegistry(
        IEnumerable<IRecoverableComponent> builtIn,
        IOptionsMonitor<RecoveryOptions> options,
        IHttpClientFactory clients,
        TimeProvider time)
    {
        _options = options;
        _time = time;
        _components =
        [
            .. builtIn,
            .. options.CurrentValue.Dependencies.Select(d => new ExternalDependencyComponent(d.Key, d.Value, clients, time)),
        ];
    }

    public IReadOnlyList<IRecoverableComponent> Components => _components;

    public IRecoverableComponent? Find(string name) =>
        _components.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    public bool IsCritical(IRecoverableComponent component) =>
        _options.CurrentValue.Components.TryGetValue(component.Name, out var configured) && configured.Critical is { } critical
            ? critical
            : component.CriticalByDefault;

    /// <summary>What was last seen of every component, without probing.</summary>
    public IReadOnlyList<ComponentSnapshot> Latest =>
        [.. _components.Select(c => new ComponentSnapshot(c.Name, IsCritical(c), c.ActionName, _latest.GetValueOrDefault(c.Name, ProbeResult.NotChecked)))];

    /// <summary>Probes one component, bounded by <see cref="RecoveryOptions.ProbeTimeout"/>; a probe that throws is unhealthy.</summary>
    public async Task<ComponentSnapshot> ProbeAsync(IRecoverableComponent component, CancellationToken cancellationToken)
    {
        var timeout = _options.CurrentValue.ProbeTimeout;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        ProbeResult result;
        try
        {
            result = await component.ProbeAsync(bounded.Token).WaitAsync(timeout, _time, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            var reason = exception is TimeoutException or OperationCanceledException
                ? $"the probe took longer than {timeout.TotalSeconds:0.#} s"
                : $"the probe failed ({exception.GetType().Name})";
            result = new ProbeResult(ComponentStatus.Unhealthy, null, reason, _time.GetUtcNow());
        }

        _latest[component.Name] = result;
        return new ComponentSnapshot(component.Name, IsCritical(component), component.ActionName, result);
    }

    public async Task<IReadOnlyList<ComponentSnapshot>> ProbeAllAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(_components.Select(c => ProbeAsync(c, cancellationToken)));

    /// <summary>Critical components decide: any critical one unhealthy makes the API unhealthy; anything else amiss, degraded.</summary>
    public static ComponentStatus Overall(IEnumerable<ComponentSnapshot> states)
    {
        var overall = ComponentStatus.Healthy;
        foreach (var state in states)
        {
            if (state.Critical && state.Probe.Status == ComponentStatus.Unhealthy)
            {
                return ComponentStatus.Unhealthy;
            }

            if (state.Probe.Status != ComponentStatus.Healthy)
            {
                overall = ComponentStatus.Degraded;
            }
        }

        return overall;
    }
}
