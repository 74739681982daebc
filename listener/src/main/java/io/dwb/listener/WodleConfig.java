package io.dwb.listener;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.DurationArgument;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
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
 * The {@code <wodle name="docker-listener">} block of a Wazuh {@code ossec.conf}, with Wazuh 4.x's defaults for the
 * options it leaves out (interval 60 s, attempts 5, run_on_start yes, disabled no).
 *
 * @param disabled   {@code disabled=yes}: the listener exits 0 without connecting
 * @param runOnStart {@code run_on_start=no}: wait {@code interval} before the first connection
 * @param interval   the wait between reconnection attempts (and before the first one when not run on start)
 * @param attempts   consecutive failed connection attempts before the listener exits non-zero
 */
public record WodleConfig(boolean disabled, boolean runOnStart, Duration interval, int attempts) {
    public static final String WODLE_NAME = "docker-listener";

    public static WodleConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationError("cannot read ossec.conf " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** {@code source} names the file in messages. */
    public static WodleConfig parse(String text, String source) {
        Element wodle = findWodle(document(text, source), source);
        boolean disabled = yesNo(wodle, "disabled", false, source);
        boolean runOnStart = yesNo(wodle, "run_on_start", true, source);
        Duration interval = Duration.ofSeconds(60);
        String intervalText = child(wodle, "interval");
        if (intervalText != null) {
            try {
                interval = DurationArgument.parse(intervalText);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationError(source + ": <interval> of the docker-listener wodle: " + e.getMessage());
            }
            if (interval.isZero()) {
                throw new ConfigurationError(source + ": <interval> of the docker-listener wodle must be above 0");
            }
        }
        int attempts = 5;
        String attemptsText = child(wodle, "attempts");
        if (attemptsText != null) {
            try {
                attempts = Integer.parseInt(attemptsText.strip());
            } catch (NumberFormatException e) {
                attempts = -1;
            }
            if (attempts <= 0) {
                throw new ConfigurationError(source + ": <attempts> of the docker-listener wodle must be a number "
                        + "above 0, not '" + attemptsText.strip() + "'");
            }
        }
        return new WodleConfig(disabled, runOnStart, interval, attempts);
    }

    private static Document document(String text, String source) {
        // A real ossec.conf often has several <ossec_config> roots, which is not one XML document: wrap them.
        String body = text.replaceFirst("^\\s*<\\?xml[^>]*\\?>", "");
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null); // no "[Fatal Error]" line on stderr: the exception says it all
            return builder.parse(new InputSource(new StringReader("<ossec_conf_file>" + body + "</ossec_conf_file>")));
        } catch (SAXParseException e) {
            throw new ConfigurationError("malformed ossec.conf " + source + ": line " + e.getLineNumber() + ": "
                    + e.getMessage());
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new ConfigurationError("malformed ossec.conf " + source + ": " + e.getMessage(), e);
        }
    }

    private static Element findWodle(Document document, String source) {
        NodeList wodles = document.getElementsByTagName("wodle");
        Element found = null;
        for (int i = 0; i < wodles.getLength(); i++) {
            Element e = (Element) wodles.item(i);
            if (WODLE_NAME.equals(e.getAttribute("name"))) {
                found = e; // the last block wins, as in Wazuh
            }
        }
        if (found == null) {
            throw new ConfigurationError(source + " has no <wodle name=\"" + WODLE_NAME + "\"> block");
        }
        return found;
    }

    private static String child(Element wodle, String name) {
        String value = null;
        for (Node n = wodle.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                value = e.getTextContent();
            }
        }
        return value;
    }

    private static boolean yesNo(Element wodle, String name, boolean defaultValue, String source) {
        String value = child(wodle, name);
        if (value == null) {
            return defaultValue;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new ConfigurationError(source + ": <" + name + "> of the docker-listener wodle must be "
                    + "yes or no, not '" + value.strip() + "'");
        };
    }
}
