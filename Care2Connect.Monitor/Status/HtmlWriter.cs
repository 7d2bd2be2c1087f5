using System.Text;
using System.Text.Encodings.Web;

namespace Care2Connect.Monitor.Status;

/// <summary>
/// A very small HTML builder. Tag and attribute names are constants of the caller; every text and attribute value
/// goes through <see cref="HtmlEncoder"/>, so a component name or an error summary can never become markup.
/// </summary>
internal sealed class HtmlWriter
{
    private readonly StringBuilder _html = new();
    private readonly HtmlEncoder _encoder = HtmlEncoder.Default;

    /// <summary>Literal markup written by this project's code, never data.</summary>
    public HtmlWriter Markup(string markup)
    {
        _html.Append(markup);
        return this;
    }

    public HtmlWriter Text(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _html.Append(_encoder.Encode(text));
        }

        return this;
    }

    public HtmlWriter Open(string tag, params ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        _html.Append('<').Append(tag);
        foreach (var (name, value) in attributes)
        {
            if (value is not null)
            {
                _html.Append(' ').Append(name).Append("=\"").Append(_encoder.Encode(value)).Append('"');
            }
        }

        _html.Append('>');
        return this;
    }

    public HtmlWriter Close(string tag)
    {
        _html.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary><c>&lt;tag attributes&gt;text&lt;/tag&gt;</c>.</summary>
    public HtmlWriter Element(string tag, string? text, params ReadOnlySpan<(string Name, string? Value)> attributes) =>
        Open(tag, attributes).Text(text).Close(tag);

    public HtmlWriter Line()
    {
        _html.Append('\n');
        return this;
    }

    public override string ToString() => _html.ToString();
}
