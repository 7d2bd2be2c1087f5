using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Care2Connect.Tests.Unit;

/// <summary>
/// Structured logs an operator can filter by event: each project declares its events in one <c>Log</c> class, in a
/// range of ids of its own, so an id or a name means one thing across the whole system (the dashboard's structured
/// logs show every resource at once).
/// </summary>
public sealed class LogEventCatalogTests
{
    public static TheoryData<string, int, int> Projects => new()
    {
        { "Care2Connect.Api", 1000, 5999 },
        { "Care2Connect.Monitor", 6000, 7999 },
        { "Care2Connect.AppHost", 8000, 9999 },
    };

    [Theory]
    [MemberData(nameof(Projects))]
    public void Every_event_of_a_project_is_declared_in_its_Log_class_within_its_range(string project, int first, int last)
    {
        var assembly = Assembly.Load(project);
        var declaring = Events(assembly).Select(e => e.Method.DeclaringType!.FullName).Distinct().ToList();
        Assert.Equal([project + ".Log"], declaring);

        var events = Events(assembly).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.InRange(e.Attribute.EventId, first, last));
    }

    [Fact]
    public void Event_ids_and_names_are_unique_across_the_system()
    {
        var events = Projects.Select(row => (string)row[0]).SelectMany(project => Events(Assembly.Load(project))).ToList();

        var duplicateIds = events.GroupBy(e => e.Attribute.EventId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var duplicateNames = events.GroupBy(e => e.Attribute.EventName ?? e.Method.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicateIds);
        Assert.Empty(duplicateNames);
    }

    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute)> Events(Assembly assembly) =>
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (method, attribute);
}
