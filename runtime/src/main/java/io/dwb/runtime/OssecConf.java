package io.dwb.runtime;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * taken together, and for an element given more than once, the last one wins. No DTD, no entity expansion.
 */
public final class OssecConf {
    private final Document document;
    private final String source;

    private OssecConf(Document document, String source) {
        this.document = document;
        this.source = source;
    }

    /** @throws ConfigurationError when the file cannot be read or is not well-formed */
    public static OssecConf read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new ConfigurationError("cannot read ossec.conf " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code source} names the file in messages. */
    public static OssecConf parse(String text, String source) {
        String body = text.replaceFirst("^\\s*<\\?xml[^>]*\\?>", "");
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null); // no "[Fatal Error]" line on stderr: the exception says it all
            return new OssecConf(builder.parse(new InputSource(new StringReader(
                    "<ossec_conf_file>" + body + "</ossec_conf_file>"))), source);
        } catch (SAXParseException e) {
            throw new ConfigurationError("malformed ossec.conf " + source + ": line " + e.getLineNumber() + ": "
                    + e.getMessage());
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new ConfigurationError("malformed ossec.conf " + source + ": " + e.getMessage(), e);
        }
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
