using System.Reflection;
using System.Reflection.Emit;

namespace Care2Connect.Tests.Unit;

/// <summary>
/// No folder of the API or the Monitor may depend, directly or through others, on a folder that depends on it: the
/// layering in docs/ARCHITECTURE.md holds only while the folder graph has no cycle. The graph is read from the
/// compiled assembly, so nothing escapes it that the compiler kept: every type's base, interfaces, fields, properties,
/// signatures, attributes and locals, and every type, method and field its IL names (lambdas and async state machines
/// are nested types in their declaring type's folder). What the compiler inlines — a <c>const</c> read from another
/// folder, a <c>nameof</c> — leaves no trace and is not checked.
/// </summary>
public sealed class FolderDependencyTests
{
    [Fact]
    public void The_api_has_no_folder_cycle() =>
        AssertNoCycle(typeof(Care2Connect.Api.Recovery.RecoveryCoordinator).Assembly, "Care2Connect.Api");

    [Fact]
    public void The_monitor_has_no_folder_cycle() =>
        AssertNoCycle(typeof(Care2Connect.Monitor.Checks.CheckEngine).Assembly, "Care2Connect.Monitor");

    [Fact]
    public void A_cycle_is_found_and_named()
    {
        var graph = new Dictionary<string, Dictionary<string, string>>
        {
            ["Data"] = new() { ["Recovery"] = "Data.X uses Recovery.Y" },
            ["Recovery"] = new() { ["Tickets"] = "Recovery.Y uses Tickets.Z" },
            ["Tickets"] = new() { ["Data"] = "Tickets.Z uses Data.X" },
            ["Http"] = new() { ["Data"] = "Http.A uses Data.X" },
        };

        var cycle = Assert.Single(FindCycles(graph));

        Assert.Equal(["Data", "Recovery", "Tickets"], cycle.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The folder of each type is the first namespace segment below <paramref name="root"/> (<c>Data</c> for
    /// <c>Care2Connect.Api.Data.Entities</c>); types in the root namespace form the folder <c>(root)</c>. The project's
    /// <c>Log</c> class is left out: it is the one catalogue of log events every folder writes through (STYLE.md), and its
    /// method signatures name the enums they log, so it would tie every folder to every other.
    /// </summary>
    private static void AssertNoCycle(Assembly assembly, string root)
    {
        var graph = FolderGraph(assembly, root);
        Assert.True(graph.Count > 2, $"Expected the folders of {root}, found only: {string.Join(", ", graph.Keys)}.");
        var cycles = FindCycles(graph);
        Assert.True(cycles.Count == 0, $"{root} has folder cycles:{Environment.NewLine}{Describe(graph, cycles)}");
    }

    private static Dictionary<string, Dictionary<string, string>> FolderGraph(Assembly assembly, string root)
    {
        var graph = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (FolderOf(type, root) is not { } from)
            {
                continue;
            }

            var edges = graph.TryGetValue(from, out var existing) ? existing : graph[from] = new(StringComparer.Ordinal);
            foreach (var used in References(type))
            {
                if (FolderOf(used, root) is { } to && to != from)
                {
                    edges.TryAdd(to, $"{Name(type)} uses {Name(used)}");
                }
            }
        }

        return graph;
    }

    private static string? FolderOf(Type type, string root)
    {
        var outer = type;
        while (outer.DeclaringType is { } declaring)
        {
            outer = declaring;
        }

        var ns = outer.Namespace;
        if (ns is null || (outer.Name == "Log" && ns == root))
        {
            return null;
        }

        if (ns == root)
        {
            return "(root)";
        }

        return ns.StartsWith(root + ".", StringComparison.Ordinal) ? ns[(root.Length + 1)..].Split('.')[0] : null;
    }

    private static IEnumerable<Type> References(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new HashSet<Type>();
        void Add(Type? candidate)
        {
            if (candidate is null)
            {
                return;
            }

            if (candidate.HasElementType)
            {
                Add(candidate.GetElementType());
                return;
            }

            if (candidate.IsGenericParameter || !found.Add(candidate))
            {
                return;
            }

            if (candidate.IsGenericType)
            {
                foreach (var argument in candidate.GetGenericArguments())
                {
                    Add(argument);
                }
            }
        }

        void AddMember(MemberInfo? member)
        {
            switch (member)
            {
                case Type used:
                    Add(used);
                    break;
                case FieldInfo field:
                    Add(field.DeclaringType);
                    Add(field.FieldType);
                    break;
                case MethodBase method:
                    Add(method.DeclaringType);
                    if (method is MethodInfo info)
                    {
                        Add(info.ReturnType);
                    }

                    if (method.IsGenericMethod)
                    {
                        foreach (var argument in method.GetGenericArguments())
                        {
                            Add(argument);
                        }
                    }

                    foreach (var parameter in method.GetParameters())
                    {
                        Add(parameter.ParameterType);
                    }

                    break;
            }
        }

        Add(type.BaseType);
        foreach (var contract in type.GetInterfaces())
        {
            Add(contract);
        }

        foreach (var attribute in type.CustomAttributes)
        {
            Add(attribute.AttributeType);
        }

        foreach (var field in type.GetFields(all))
        {
            Add(field.FieldType);
        }

        foreach (var property in type.GetProperties(all))
        {
            Add(property.PropertyType);
            foreach (var attribute in property.CustomAttributes)
            {
                Add(attribute.AttributeType);
            }
        }

        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            AddMember(method);
            foreach (var parameter in method.GetParameters())
            {
                foreach (var attribute in parameter.CustomAttributes)
                {
                    Add(attribute.AttributeType);
                }
            }

            if (method.GetMethodBody() is not { } body)
            {
                continue;
            }

            foreach (var local in body.LocalVariables)
            {
                Add(local.LocalType);
            }

            var typeArguments = type.IsGenericTypeDefinition ? type.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethodDefinition ? method.GetGenericArguments() : null;
            foreach (var token in Tokens(body.GetILAsByteArray() ?? []))
            {
                try
                {
                    AddMember(type.Module.ResolveMember(token, typeArguments, methodArguments));
                }
                catch (Exception exception) when (exception is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException)
                {
                    // A token this assembly cannot resolve names nothing of its own.
                }
            }
        }

        return found;
    }

    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

#pragma warning disable CA1810 // The opcode tables are built once from OpCodes' fields; a static constructor says so best.
    static FolderDependencyTests()
#pragma warning restore CA1810
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            var value = (ushort)code.Value;
            if (value < 0x100)
            {
                OneByte[value] = code;
            }
            else if ((value & 0xFF00) == 0xFE00)
            {
                TwoByte[value & 0xFF] = code;
            }
        }
    }

    /// <summary>The metadata tokens of every instruction that names a type, a method or a field.</summary>
    private static IEnumerable<int> Tokens(byte[] il)
    {
        var position = 0;
        while (position < il.Length)
        {
            var code = il[position] == 0xFE ? TwoByte[il[++position]] : OneByte[il[position]];
            position++;
            switch (code.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    yield return BitConverter.ToInt32(il, position);
                    position += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    position += 1;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    position += 8;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (4 * BitConverter.ToInt32(il, position));
                    break;
                default:
                    position += 4;
                    break;
            }
        }
    }

    /// <summary>Every strongly connected set of more than one folder (Tarjan's algorithm): each is at least one cycle.</summary>
    private static List<List<string>> FindCycles(Dictionary<string, Dictionary<string, string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in graph.GetValueOrDefault(node)?.Keys ?? Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1)
                {
                    cycles.Add(component);
                }
            }
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal).ToList())
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return cycles;
    }

    private static string Describe(Dictionary<string, Dictionary<string, string>> graph, List<List<string>> cycles) =>
        string.Join(Environment.NewLine, cycles.Select(cycle =>
        {
            var members = cycle.ToHashSet(StringComparer.Ordinal);
            var edges = cycle.Order(StringComparer.Ordinal).SelectMany(from => graph[from]
                .Where(edge => members.Contains(edge.Key))
                .Select(edge => $"    {from} → {edge.Key}: {edge.Value}"));
            return $"  {string.Join(" ↔ ", cycle.Order(StringComparer.Ordinal))}{Environment.NewLine}{string.Join(Environment.NewLine, edges)}";
        }));

    private static string Name(Type type) => type.FullName ?? type.Name;
}
