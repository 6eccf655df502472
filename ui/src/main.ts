import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { TauriBackend, inTauri, type Backend } from '$lib/backend';

async function backend(): Promise<Backend | null> {
  if (inTauri()) return new TauriBackend();
  // A browser preview (`npm run dev` without Tauri) uses the in-memory fake.
  // `import.meta.env.DEV` is false in a build, so the fake never ships.
  if (import.meta.env.DEV) {
    const { FakeBackend } = await import('$lib/fake-backend');
    return new FakeBackend({ delayMs: 250 });
  }
  return null;
}

const target = document.getElementById('app');
if (target) {
  void backend().then((b) => {
    if (b) {
      mount(App, { target, props: { backend: b } });
    } else {
      target.textContent = 'Daozhang 到账 runs as a desktop app. 请在桌面应用中打开。';
    }
  });
}
