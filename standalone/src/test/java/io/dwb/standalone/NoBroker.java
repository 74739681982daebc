package io.dwb.standalone;

import java.util.Properties;

/** A broker the command's tests start instead of the embedded one: nothing listens at its address. */
class NoBroker implements StandaloneCommand.Broker {
    @Override
    public String bootstrapServers() {
        return "127.0.0.1:1";
    }

    @Override
    public Properties clientProperties() {
        return new Properties();
    }

    @Override
    public void close() {
    }
}
