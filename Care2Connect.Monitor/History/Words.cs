using System.Collections.Frozen;
using System.Text.Json;

namespace Care2Connect.Monitor.History;

/// <summary>Enums as the same kebab-case words the JSON uses (<c>origin-down</c>), so the database reads like the API.</summary>
internal static class Words
{
    public static string Of<T>(T value) where T : struct, Enum => Cache<T>.Names[value];

    public static T Parse<T>(string word) where T : struct, Enum =>
        Cache<T>.Values.TryGetValue(word, out var value) ? value : default;

    private static class Cache<T> where T : struct, Enum
    {
        public static readonly FrozenDictionary<T, string> Names =
            Enum.GetValues<T>().ToFrozenDictionary(value => value, value => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString()));

        public static readonly FrozenDictionary<string, T> Values =
            Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);
    }
}
