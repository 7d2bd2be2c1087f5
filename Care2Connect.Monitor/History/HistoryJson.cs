using System.Text.Json.Serialization;

namespace Care2Connect.Monitor.History;

/// <summary>The component lists the history keeps as JSON text, serialized by code generated at build time.</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class HistoryJson : JsonSerializerContext;
