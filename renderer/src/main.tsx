import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { apiMode } from './api';
import { trackConnection, useAppStore } from './stores/app-store';
import { subscribePorts, usePortsStore } from './stores/ports-store';
import { subscribeJobs } from './stores/jobs-store';
import { subscribeDevices, useDeviceStore } from './stores/device-store';
import { subscribeBackups } from './stores/backups-store';
import { subscribeRepl } from './stores/repl-store';
import { subscribeClassroom } from './stores/classroom-store';
import './styles.css';

trackConnection(apiMode);
subscribePorts();
subscribeJobs();
subscribeDevices();
subscribeBackups();
subscribeRepl();
subscribeClassroom();
void useAppStore.getState().load();
void usePortsStore.getState().refresh();
void useDeviceStore.getState().refresh();

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
