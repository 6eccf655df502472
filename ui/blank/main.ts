// The start-up benchmark's baseline page (tests/blank-window): a one-line
// Svelte 5 component mounted as the app mounts its own, built by the same
// Vite and Svelte (`npm run build:blank`).
import { mount } from 'svelte';
import Blank from './Blank.svelte';

const target = document.getElementById('app');
if (target) mount(Blank, { target });
