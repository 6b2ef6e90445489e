/* 水费计算器 on the price page: annual volume (and household size) in, the
   bill tier by tier out. Tiers and prices come from the price table itself
   (data-up-to, data-price), so the calculator can never disagree with it.
   Arithmetic is in integers (0.01 m³ x fen) and rounded half up to the fen
   only at the end, exactly as the build's worked example (PriceTable.bill).
   Without JavaScript the page shows that worked example instead. */
(function () {
  "use strict";
  var box = document.querySelector("[data-bill-calculator]");
  var rows = document.querySelectorAll("tr[data-price]");
  if (!box || !rows.length) { return; }
  var tiers = Array.prototype.map.call(rows, function (row) {
    return {
      name: row.getAttribute("data-tier"),
      upTo: row.getAttribute("data-up-to") ? toHundredths(row.getAttribute("data-up-to")) : null,
      fen: toHundredths(row.getAttribute("data-price"))
    };
  });
  var basePersons = Number(box.getAttribute("data-base-persons") || 0);
  var extraPerPerson = box.getAttribute("data-extra-per-person");

  function toHundredths(text) {
    var parts = String(text).trim().split(".");
    var decimals = ((parts[1] || "") + "00").slice(0, 2);
    return Number(parts[0]) * 100 + Number(decimals);
  }

  function yuan(tenThousandths) { /* 1 yuan = 10000 units: 0.01 m³ x 1 fen */
    var fen = Math.floor((tenThousandths + 50) / 100);
    var text = String(Math.floor(fen / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return text + "." + String(fen % 100).padStart(2, "0");
  }

  function bill(volume, persons) {
    var extra = 0;
    if (extraPerPerson && persons > basePersons) {
      extra = toHundredths(extraPerPerson) * (persons - basePersons);
    }
    var lines = [], lower = 0, total = 0;
    for (var i = 0; i < tiers.length; i += 1) {
      var upper = tiers[i].upTo === null ? null : tiers[i].upTo + extra;
      var used = Math.max(0, (upper === null ? volume : Math.min(volume, upper)) - lower);
      if (used > 0) {
        lines.push({ name: tiers[i].name, used: used, price: tiers[i].fen, amount: used * tiers[i].fen });
        total += used * tiers[i].fen;
      }
      if (upper === null) { break; }
      lower = upper;
    }
    return { lines: lines, total: total };
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var form = element("form", "sw-calculator__form");
  form.setAttribute("novalidate", "");
  var volumeField = element("div", "sw-calculator__field");
  var volumeLabel = element("label", "", "年用水量（立方米）");
  volumeLabel.htmlFor = "sw-bill-volume";
  var volume = element("input", "sw-calculator__input");
  volume.id = "sw-bill-volume";
  volume.inputMode = "decimal";
  volume.autocomplete = "off";
  volumeField.appendChild(volumeLabel);
  volumeField.appendChild(volume);
  form.appendChild(volumeField);
  var persons = null;
  if (extraPerPerson) {
    var personsField = element("div", "sw-calculator__field");
    var personsLabel = element("label", "", "家庭户籍人口");
    personsLabel.htmlFor = "sw-bill-persons";
    persons = element("select", "sw-calculator__input");
    persons.id = "sw-bill-persons";
    for (var n = 1; n <= 10; n += 1) {
      var option = element("option", "", n <= basePersons ? n + " 人" : n + " 人（核增 " + (n - basePersons) * Number(extraPerPerson) + " 立方米）");
      option.value = String(n);
      if (n === basePersons) { option.selected = true; }
      persons.appendChild(option);
    }
    personsField.appendChild(personsLabel);
    personsField.appendChild(persons);
    form.appendChild(personsField);
  }
  var submit = element("button", "sw-button", "计算");
  submit.type = "submit";
  form.appendChild(submit);
  var result = element("div", "sw-calculator__result");
  result.setAttribute("role", "status");

  function calculate(event) {
    if (event) { event.preventDefault(); }
    result.textContent = "";
    var text = volume.value.trim();
    if (!/^\d+(\.\d{1,2})?$/.test(text)) {
      result.appendChild(element("p", "sw-calculator__error", "请输入用水量，例如 260 或 185.5。"));
      return;
    }
    var computed = bill(toHundredths(text), persons ? Number(persons.value) : basePersons);
    var list = element("ul");
    computed.lines.forEach(function (line) {
      list.appendChild(element("li", "", line.name + "：" + (line.used / 100) + " 立方米 × " + yuan(line.price * 100) + " 元 = " + yuan(line.amount) + " 元"));
    });
    result.appendChild(list);
    result.appendChild(element("p", "sw-calculator__total", "全年水费合计 " + yuan(computed.total) + " 元"));
  }

  form.addEventListener("submit", calculate);
  box.insertBefore(form, box.querySelector(".sw-calculator__example"));
  box.insertBefore(result, box.querySelector(".sw-calculator__example"));
})();
