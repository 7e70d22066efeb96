//! The linked phone that `/device` describes, and the changes the control API may make to it.

use serde::{Deserialize, Deserializer, Serialize};

/// What WhatsApp reports about the phone, as `/device` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub phone: String,
    pub name: String,
    pub about: String,
    /// The profile picture; `null` when the account has none.
    pub img_url: Option<String>,
    pub device: Session,
    pub original_device: OriginalDevice,
    pub session_id: u64,
    pub is_business: bool,
}

/// The linked session, as the phone's "Linked devices" list names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    #[serde(rename = "sessionName")]
    pub session_name: String,
    pub device_model: String,
}

/// The app on the phone: WhatsApp on iPhone or Android, or WhatsApp Business on either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OriginalDevice {
    Iphone,
    Android,
    /// WhatsApp Business on iPhone.
    Smbi,
    /// WhatsApp Business on Android.
    Smba,
}

impl Default for Device {
    /// A shop's iPhone. The picture's host (`.invalid`) never resolves, so a page that shows it
    /// reaches nobody; tests that need a picture set `imgUrl` and answer it themselves.
    fn default() -> Self {
        Self {
            phone: "5511987654321".to_owned(),
            name: "Loja Centro".to_owned(),
            about: "Atendimento de segunda a sexta, das 9h às 18h.".to_owned(),
            img_url: Some("https://pps.whatsapp.invalid/v/t61/5511987654321.jpg".to_owned()),
            device: Session {
                session_name: "Z-API".to_owned(),
                device_model: "iPhone 15".to_owned(),
            },
            original_device: OriginalDevice::Iphone,
            session_id: 123,
            is_business: false,
        }
    }
}

/// `POST /__sim/instances/{id}/device`: the fields to change, each optional; `imgUrl: null`
/// removes the picture. Unknown fields are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DevicePatch {
    pub phone: Option<String>,
    pub name: Option<String>,
    pub about: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub img_url: Option<Option<String>>,
    pub device: Option<SessionPatch>,
    pub original_device: Option<OriginalDevice>,
    pub session_id: Option<u64>,
    pub is_business: Option<bool>,
}

/// The `device` object of a [`DevicePatch`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPatch {
    #[serde(rename = "sessionName")]
    pub session_name: Option<String>,
    pub device_model: Option<String>,
}

/// Tells a field given as `null` (`Some(None)`) from a missing one (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl Device {
    pub fn apply(&mut self, patch: DevicePatch) {
        let DevicePatch {
            phone,
            name,
            about,
            img_url,
            device,
            original_device,
            session_id,
            is_business,
        } = patch;
        if let Some(phone) = phone {
            self.phone = phone;
        }
        if let Some(name) = name {
            self.name = name;
        }
        if let Some(about) = about {
            self.about = about;
        }
        if let Some(img_url) = img_url {
            self.img_url = img_url;
        }
        if let Some(session) = device {
            if let Some(session_name) = session.session_name {
                self.device.session_name = session_name;
            }
            if let Some(device_model) = session.device_model {
                self.device.device_model = device_model;
            }
        }
        if let Some(original_device) = original_device {
            self.original_device = original_device;
        }
        if let Some(session_id) = session_id {
            self.session_id = session_id;
        }
        if let Some(is_business) = is_business {
            self.is_business = is_business;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_answers_like_zapis_device_endpoint() {
        assert_eq!(
            serde_json::to_value(Device::default()).unwrap(),
            json!({
                "phone": "5511987654321",
                "name": "Loja Centro",
                "about": "Atendimento de segunda a sexta, das 9h às 18h.",
                "imgUrl": "https://pps.whatsapp.invalid/v/t61/5511987654321.jpg",
                "device": {"sessionName": "Z-API", "device_model": "iPhone 15"},
                "originalDevice": "iphone",
                "sessionId": 123,
                "isBusiness": false,
            })
        );
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let mut device = Device::default();
        let patch: DevicePatch = serde_json::from_value(json!({
            "originalDevice": "smba",
            "isBusiness": true,
            "device": {"device_model": "Galaxy S24"},
        }))
        .unwrap();
        device.apply(patch);
        assert_eq!(device.original_device, OriginalDevice::Smba);
        assert!(device.is_business);
        assert_eq!(device.device.device_model, "Galaxy S24");
        assert_eq!(device.device.session_name, "Z-API");
        assert_eq!(device.phone, Device::default().phone);
        assert!(device.img_url.is_some());

        device.apply(serde_json::from_value(json!({"imgUrl": null})).unwrap());
        assert_eq!(device.img_url, None);
        device.apply(serde_json::from_value(json!({"name": "Outra"})).unwrap());
        assert_eq!(device.img_url, None);
    }

    #[test]
    fn unknown_fields_and_values_are_refused() {
        for bad in [
            json!({"colour": "blue"}),
            json!({"originalDevice": "nokia"}),
            json!({"device": {"os": "x"}}),
            json!({"isBusiness": "yes"}),
        ] {
            assert!(
                serde_json::from_value::<DevicePatch>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
