package io.dwb.runtime;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * A Wazuh {@code ossec.conf} read as Wazuh reads it: several {@code <ossec_config>} roots (not one XML document)
 * taken together, and for an element given more than once, the last one wins (a caller that merges repeated blocks as
 * Wazuh does reads {@link #all}). Wazuh's reader is not an XML parser but its own (os_xml, {@code
 * src/shared/os_xml/os_xml.c}), and a file it takes must be taken here too: wazuh-agentd runs with it, while the
 * forwarder and the listener stopped on it (exit 2, which their units' RestartPreventExitStatus=2 keeps down). So the
 * text is turned into the XML that means what os_xml reads ({@link #asOsXmlReadsIt}) before it is parsed; what os_xml
 * refuses (an element or a comment not closed) is refused.
 */
public final class OssecConf {
    /**
     * The most bytes read of such a file: Wazuh's own take tens of kilobytes (an agent.conf of many groups, a few
     * hundred); the {@code wazuh} group may write them ({@link WholeFile}).
     */
    public static final int MAX_BYTES = 4 << 20;

    private final Document document;
    private final String source;

    private OssecConf(Document document, String source) {
        this.document = document;
        this.source = source;
    }

    /** @throws ConfigurationError when the file cannot be read or is not well-formed */
    public static OssecConf read(Path file) {
        return read(file, "ossec.conf");
    }

    /**
     * Another file Wazuh reads with os_xml (an agent's {@code etc/shared/agent.conf}); {@code what} names its kind in
     * messages.
     *
     * @throws ConfigurationError when the file cannot be read or is not well-formed
     */
    public static OssecConf read(Path file, String what) {
        try {
            // Decoded leniently (a byte that is not UTF-8 becomes U+FFFD): os_xml reads bytes, and a Latin-1 accent in
            // a comment must not stop what agentd runs with.
            return parse(new String(WholeFile.read(file, MAX_BYTES), StandardCharsets.UTF_8), file.toString(), what);
        } catch (IOException e) {
            throw new ConfigurationError("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code source} names the file in messages. */
    public static OssecConf parse(String text, String source) {
        return parse(text, source, "ossec.conf");
    }

    private static OssecConf parse(String text, String source, String what) {
        String body = asOsXmlReadsIt(text.replaceFirst("^\\s*<\\?xml[^>]*\\?>", ""), source, what);
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null); // no "[Fatal Error]" line on stderr: the exception says it all
            return new OssecConf(builder.parse(new InputSource(new StringReader(
                    "<ossec_conf_file>" + body + "</ossec_conf_file>"))), source);
        } catch (SAXParseException e) {
            throw new ConfigurationError("malformed " + what + " " + source + ": line " + e.getLineNumber() + ": "
                    + e.getMessage());
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new ConfigurationError("malformed " + what + " " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code text} as XML 1.0 that says what os_xml reads in it, on the same lines (for messages):
     * <ul>
     * <li>os_xml has no entities: every {@code &} is a character ({@code &&} and {@code 2>&1} in a {@code <command>},
     * but also {@code &amp;}, which agentd reads as those five characters), so each becomes {@code &amp;}. No DTD or
     * entity can then reach the parser.</li>
     * <li>os_xml takes {@code <!} anywhere for the start of a comment and ends it at the first {@code -->} or
     * {@code !>} ({@code _oscomment}); a {@code --} inside it is text (XML 1.0 refuses it: a commented-out {@code
     * docker ps --format}). Comments are dropped here, but their line ends kept; one not closed is malformed, as for
     * os_xml. A {@code <!DOCTYPE} or {@code <![CDATA[} is such a comment for os_xml, and here too.</li>
     * <li>A {@code ]]>} in text is text for os_xml (no CDATA sections); XML 1.0 refuses it outside one.</li>
     * </ul>
     * What os_xml does beyond this (a {@code \<} in a value kept as text, a {@code <!} inside an attribute's value not
     * a comment) is not followed: such a file is refused when the escaped tag is unbalanced, and read with an element
     * of that name when it is balanced, in a value no caller here reads.
     */
    static String asOsXmlReadsIt(String text, String source) {
        return asOsXmlReadsIt(text, source, "ossec.conf");
    }

    private static String asOsXmlReadsIt(String text, String source, String what) {
        StringBuilder xml = new StringBuilder(text.length() + 64);
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '<' && text.startsWith("!", i + 1)) {
                int end = commentEnd(text, i + 2);
                if (end < 0) {
                    throw new ConfigurationError("malformed " + what + " " + source + ": line " + lineAt(text, i)
                            + ": a comment is not closed (Wazuh ends one at the first --> or !>)");
                }
                for (int k = i; k < end; k++) {
                    if (text.charAt(k) == '\n') {
                        xml.append('\n');
                    }
                }
                i = end;
                continue;
            }
            if (c == '&') {
                xml.append("&amp;");
            } else if (c == '>' && xml.length() >= 2 && xml.charAt(xml.length() - 1) == ']'
                    && xml.charAt(xml.length() - 2) == ']') {
                xml.append("&gt;");
            } else {
                xml.append(c);
            }
            i++;
        }
        return xml.toString();
    }

    /** Where the comment whose text starts at {@code from} ends (just past its {@code -->} or {@code !>}); -1 if not. */
    private static int commentEnd(String text, int from) {
        int dashes = text.indexOf("-->", from);
        int bang = text.indexOf("!>", from);
        if (dashes < 0 && bang < 0) {
            return -1;
        }
        if (bang < 0 || dashes >= 0 && dashes < bang) { // the two never overlap: the first one read ends it
            return dashes + 3;
        }
        return bang + 2;
    }

    private static int lineAt(String text, int index) {
        int line = 1;
        for (int k = 0; k < index; k++) {
            if (text.charAt(k) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The file, for messages. */
    public String source() {
        return source;
    }

    /** The last element named {@code tag} anywhere in the file whose {@code name} attribute is {@code name}. */
    public Element last(String tag, String name) {
        NodeList all = document.getElementsByTagName(tag);
        Element found = null;
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (name == null || name.equals(e.getAttribute("name"))) {
                found = e;
            }
        }
        return found;
    }

    /** Every element named {@code tag} anywhere in the file, in file order. */
    public List<Element> all(String tag) {
        NodeList all = document.getElementsByTagName(tag);
        List<Element> found = new ArrayList<>(all.getLength());
        for (int i = 0; i < all.getLength(); i++) {
            found.add((Element) all.item(i));
        }
        return found;
    }

    /** The last element named {@code tag} anywhere in the file, or null. */
    public Element last(String tag) {
        return last(tag, null);
    }

    /** The text of {@code parent}'s last child element named {@code name}, or null. */
    public static String child(Element parent, String name) {
        String value = null;
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                value = e.getTextContent();
            }
        }
        return value;
    }
}
