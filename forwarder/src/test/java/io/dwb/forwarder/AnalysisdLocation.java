package io.dwb.forwarder;

/**
 * How Wazuh 4.x's analysisd reads the head of a queue message, for tests: {@code OS_CleanMSG}
 * ({@code src/analysisd/cleanevent.c}) cuts the location at the first {@code :} not escaped by {@code |}
 * ({@code wstr_chr_escape}), unescapes it ({@code wstr_unescape}), takes the agent id between {@code [} and the first
 * {@code ]}, the name between {@code (} and the first {@code )}; {@code W_JSON_ParseAgentIP}
 * ({@code format/json_extended.c}) the address after {@code ") "} up to the first {@code -},
 * {@code W_JSON_ParseLocation} the location after the first {@code >}.
 *
 * @param message what follows the location's {@code :}
 */
record AnalysisdLocation(String agentId, String agentName, String agentIp, String location, String message) {

    /** Null when analysisd would refuse the message or not see an agent's location. */
    static AnalysisdLocation read(String datagram) {
        if (datagram.length() < 2 || datagram.charAt(1) != ':') {
            return null;
        }
        int end = firstUnescapedColon(datagram, 2);
        if (end < 0) {
            return null;
        }
        String location = unescape(datagram.substring(2, end));
        String message = datagram.substring(end + 1);
        if (!location.startsWith("[")) {
            return null;
        }
        int idEnd = location.indexOf(']');
        if (idEnd < 0 || idEnd + 2 > location.length()) {
            return null;
        }
        String id = location.substring(1, idEnd);
        String rest = location.substring(idEnd + 2); // after "] "
        if (!rest.startsWith("(")) {
            return null;
        }
        int nameEnd = rest.indexOf(')');
        if (nameEnd < 0) {
            return null;
        }
        String name = rest.substring(1, nameEnd);
        String afterName = rest.substring(Math.min(rest.length(), nameEnd + 2));
        int dash = afterName.indexOf('-');
        String ip = dash < 0 ? afterName : afterName.substring(0, dash);
        int arrow = rest.indexOf('>');
        String original = arrow < 0 ? null : rest.substring(arrow + 1);
        return new AnalysisdLocation(id, name, ip, original, message);
    }

    private static int firstUnescapedColon(String text, int from) {
        boolean escaped = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!escaped && c == ':') {
                return i;
            }
            escaped = !escaped && c == '|';
        }
        return -1;
    }

    private static String unescape(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '|' && i + 1 < text.length()) {
                i++;
                c = text.charAt(i);
            }
            out.append(c);
        }
        return out.toString();
    }
}
