// The verification page is rendered on the server in the chosen language; this only switches it.
import { setLang } from "./i18n.js";

const button = document.getElementById("lang");
button.addEventListener("click", () => {
  setLang(button.dataset.other);
  location.reload();
});
