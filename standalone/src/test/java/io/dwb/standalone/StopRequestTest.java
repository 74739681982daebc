package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StopRequestTest {
    @Test
    void aStopAskedBeforeTheBridgeRunsIsPassedOnOnceItDoes() {
        StopRequest stop = new StopRequest();
        AtomicInteger asked = new AtomicInteger();
        assertThat(stop.getAsBoolean()).isFalse();
        stop.request();
        assertThat(stop.getAsBoolean()).isTrue();
        stop.handTo(asked::incrementAndGet);
        assertThat(asked).hasValue(1);
    }

    @Test
    void aStopAskedOnceTheBridgeRunsIsPassedOnAtOnce() {
        StopRequest stop = new StopRequest();
        AtomicInteger asked = new AtomicInteger();
        stop.handTo(asked::incrementAndGet);
        assertThat(asked).hasValue(0);
        stop.request();
        stop.request(); // a second signal: asked again, as Bridge.requestStop allows
        assertThat(asked).hasValue(2);
        assertThat(stop.getAsBoolean()).isTrue();
    }
}
