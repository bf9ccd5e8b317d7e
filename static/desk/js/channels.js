// Channel designations (README of the platform) as the page labels them.
import { _ } from "./i18n.js";

const CHANNELS = {
  telegram: ["TG", "Telegram"],
  "whatsapp-business": ["WA", "WhatsApp Business"],
  whatsapp: ["WA", "WhatsApp"],
  vk: ["VK", "VK"],
  viber: ["VB", "Viber"],
  "viber-bots": ["VB", "Viber bot"],
  sms: ["SMS", "SMS"],
  notify: ["NT", "Notify"],
  webchat: ["WEB", "Web chat"],
  instagram: ["IG", "Instagram"],
  fb: ["FB", "Facebook"],
};

// Contact identifier fields, per the platform's README.
export function identifierLabel(field) {
  return {
    phone: _("Phone"),
    telegramId: "Telegram",
    vkId: "VK",
    viberId: "Viber",
    fbId: "Facebook",
    instagramId: "Instagram",
  }[field] || field;
}

export function channelName(channel) {
  return (CHANNELS[channel] || [null, channel || _("Unknown channel")])[1];
}

export function channelBadge(channel, h) {
  const [short, name] = CHANNELS[channel] || ["?", channel || _("Unknown channel")];
  return h("span", { class: `channel-badge ch-${(channel || "unknown").replace(/[^a-z-]/g, "")}`, title: name },
    h("span", { "aria-hidden": "true", text: short }),
    h("span", { class: "visually-hidden", text: name }));
}
