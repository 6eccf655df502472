import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { expect } from 'vitest';
import App from '../src/App.svelte';
import { FakeBackend, type FakeOptions } from '$lib/fake-backend';

export type User = ReturnType<typeof userEvent.setup>;

/** The whole app on a fake backend, past its first paint. */
export async function renderApp(options: FakeOptions = {}, fake = new FakeBackend(options)) {
  const user = userEvent.setup();
  const result = render(App, { props: { backend: fake, options: { minCheckMs: 0 } } });
  await screen.findByTestId('new-check');
  await waitFor(() => expect(fake.windowShown, 'the hidden window is shown after the first paint').toBe(true));
  return { fake, user, ...result };
}

/** Opens an example and runs its check; resolves on the result screen. */
export async function exampleResult(user: User, example: 'douyin' | 'live' | 'cardshop' = 'douyin') {
  await user.click(screen.getByTestId(`try-example-${example}`));
  await user.click(await screen.findByTestId('run-check'));
  return screen.findByTestId('result', {}, { timeout: 3000 });
}

export function input(testid: string): HTMLInputElement {
  return screen.getByTestId(testid) as HTMLInputElement;
}
