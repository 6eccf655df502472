import '@testing-library/jest-dom/vitest';
import { afterEach, beforeEach } from 'vitest';
import { i18n } from '$lib/i18n.svelte';

beforeEach(() => {
  localStorage.clear();
  i18n.reset('en');
});

afterEach(() => {
  localStorage.clear();
});

// jsdom has no scrollTo on elements.
if (!Element.prototype.scrollTo) {
  Element.prototype.scrollTo = () => {};
}
