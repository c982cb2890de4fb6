import { PortPicker } from './PortPicker';

/** The main path: pick a port, detect the board, choose firmware, write it. */
export function FlashScreen() {
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Put MicroPython on your board</h1>
        <p className="muted">ESP8266 and ESP32 boards: plug in, pick the port, and Kiln does the rest.</p>
      </header>
      <PortPicker />
    </div>
  );
}
