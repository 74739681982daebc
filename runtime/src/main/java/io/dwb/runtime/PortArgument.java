package io.dwb.runtime;

import picocli.CommandLine;

/** A TCP port given as an option: 0 to 65535, 0 for none or any, as each option says. */
public final class PortArgument {
    private PortArgument() {}

    /**
     * picocli converter: a TCP port, 0 to 65535 ({@code --metrics-port}, the standalone's {@code --kafka-port}). A port
     * out of range was taken, and the bind failed once the process ran: exit 1, restarted for ever by systemd, the
     * standalone's broker started first.
     */
    public static final class Converter implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int port;
            try {
                port = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a port number (0 to 65535)");
            }
            if (port < 0 || port > 65_535) {
                throw new CommandLine.TypeConversionException(port + " is not a port number (0 to 65535)");
            }
            return port;
        }
    }
}
