// The extension-host suites, in the order they run (each builds on the daemon state the previous one left).
import './activation.test.js';
import './daemon.test.js';
import './keys.test.js';
