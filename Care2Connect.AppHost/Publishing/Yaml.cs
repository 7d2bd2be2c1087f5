using YamlDotNet.Serialization;

namespace Care2Connect.AppHost.Publishing;

/// <summary>Ordered maps to YAML: keys in the order they were added, strings quoted when they would read as something else.</summary>
internal static class Yaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .WithIndentedSequences()
        .DisableAliases()
        .Build();

    /// <summary>One document, with a comment header.</summary>
    public static string Document(object value) => Serializer.Serialize(value).ReplaceLineEndings("\n");

    /// <summary>An ordered map (insertion order is kept: entries are only ever added).</summary>
    public static Dictionary<string, object> Map() => new(StringComparer.Ordinal);
}
