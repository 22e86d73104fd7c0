/** Entry point: read /config.json (which stack to talk to), then render the shop. */
import { render } from 'preact';
import { createApi } from './api';
import { App } from './app';
import { startClickstream } from './clickstream';
import { ShopContext } from './context';
import type { RuntimeConfig } from './runtime-config';
import './styles.css';

async function start(root: HTMLElement) {
  let config: RuntimeConfig;
  try {
    const response = await fetch('/config.json', { cache: 'no-cache' });
    if (!response.ok) throw new Error(String(response.status));
    config = (await response.json()) as RuntimeConfig;
    if (typeof config.apiUrl !== 'string' || !config.auth) throw new Error('incomplete');
  } catch {
    root.innerHTML = '';
    const message = document.createElement('p');
    message.className = 'boot error';
    message.setAttribute('role', 'alert');
    message.textContent = 'Shelf could not load its settings (/config.json). Reload the page to try again.';
    root.append(message);
    return;
  }
  root.innerHTML = '';
  const apiUrl = config.apiUrl.replace(/\/+$/, '');
  startClickstream(apiUrl);
  render(
    <ShopContext.Provider value={{ config, api: createApi(apiUrl) }}>
      <App />
    </ShopContext.Provider>,
    root,
  );
}

void start(document.getElementById('app')!);
